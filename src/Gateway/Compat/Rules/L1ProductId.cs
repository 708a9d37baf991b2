using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L1 (alpha): top-level <c>productId: "x"</c> → <c>products: [{ "externalId": "x" }]</c>.</summary>
internal sealed class L1ProductId : ICompatRule
{
    public string Id => "L1";

    public CompatSurface Surface => CompatSurface.TryOn;

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public bool TryRewrite(JsonObject target, string path, List<ErrorDetail> conflicts) =>
        ProductReference.MoveToProducts(target, "productId", conflicts);
}

/// <summary>Shared by L1 and L2: a top-level product id becomes the one referenced product.</summary>
internal static class ProductReference
{
    public static bool MoveToProducts(JsonObject body, string legacyName, List<ErrorDetail> conflicts)
    {
        if (!body.TryGetPropertyValue(legacyName, out var id))
        {
            return false;
        }

        body.Remove(legacyName);
        if (!body.TryGetPropertyValue("products", out var products) || products is null)
        {
            body["products"] = new JsonArray(new JsonObject { ["externalId"] = CompatJson.Detach(id) });
            return true;
        }

        // Equal values are fine: products already references exactly this id.
        var same = products is JsonArray { Count: 1 } array && array[0] is JsonObject product &&
                   product.TryGetPropertyValue("externalId", out var existing) && JsonNode.DeepEquals(existing, id);
        if (!same)
        {
            conflicts.Add(new ErrorDetail(legacyName, $"Conflicts with 'products.0.externalId': send only 'products'."));
        }

        return true;
    }
}
