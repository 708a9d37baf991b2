using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L1 (alpha): top-level <c>productId: "x"</c> → <c>products: [{ "externalId": "x" }]</c>.</summary>
internal sealed class L1ProductId : ICompatRule
{
    public string Id => "L1";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyMembers { get; } = ["productId"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public ICompatShape? Rewrite(CompatObject target, string path, List<ErrorDetail> conflicts) =>
        ProductReference.MoveToProducts(target, "productId", conflicts) ? this : null;
}

/// <summary>Shared by L1 and L2: a top-level product id becomes the one referenced product.</summary>
internal static class ProductReference
{
    public static bool MoveToProducts(CompatObject body, string legacyName, List<ErrorDetail> conflicts)
    {
        if (!body.Remove(legacyName, out var id))
        {
            return false;
        }

        if (!body.TryGetNonNull("products", out var products))
        {
            var product = new CompatObject();
            product.Set("externalId", id);
            body.Set("products", new CompatArray(CompatValue.Of(product)));
            return true;
        }

        // Equal values are fine: products already references exactly this id.
        var same = products.AsArray() is { Count: 1 } array && array[0].Member("externalId") is { Kind: not System.Text.Json.JsonValueKind.Undefined } existing &&
                   CompatValue.DeepEquals(existing, id);
        if (!same)
        {
            conflicts.Add(new ErrorDetail(legacyName, $"Conflicts with 'products.0.externalId': send only 'products'."));
        }

        return true;
    }
}
