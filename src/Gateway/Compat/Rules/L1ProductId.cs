using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L1 (alpha): top-level <c>productId: "x"</c> → <c>products: [{ "externalId": "x" }]</c>.</summary>
internal sealed class L1ProductId : ICompatRule
{
    public string Id => "L1";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["productId"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts) =>
        ProductReference.MoveToProducts(target, "productId", conflicts) ? this : null;
}

/// <summary>Shared by L1 and L2: a top-level product id becomes the one referenced product.</summary>
internal static class ProductReference
{
    public static bool MoveToProducts(JsonObject body, string legacyName, List<ErrorDetail> conflicts)
    {
        if (!body.Take(legacyName, out var id))
        {
            return false;
        }

        // Sent as null: dropped by the engine before this runs.
        ArgumentNullException.ThrowIfNull(id);
        if (!body.TryGetNonNull("products", out var products))
        {
            body["products"] = new JsonArray(new JsonObject { ["externalId"] = id });
            return true;
        }

        // Equal values are fine: products already references exactly this id.
        var same = products is JsonArray { Count: 1 } array && array[0] is JsonObject first &&
                   first.TryGetPropertyValue("externalId", out var existing) && JsonNode.DeepEquals(existing, id);
        if (!same)
        {
            conflicts.Add(new ErrorDetail(legacyName, $"Conflicts with 'products.0.externalId': send only 'products'."));
        }

        return true;
    }
}
