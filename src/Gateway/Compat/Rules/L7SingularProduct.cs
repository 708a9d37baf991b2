using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L7 (1.0–1.3): singular <c>product: { … }</c> → <c>products: [{ … }]</c> (the object itself then goes through L11–L13).</summary>
internal sealed class L7SingularProduct : ICompatRule
{
    public string Id => "L7";

    public CompatSurface Surface => CompatSurface.TryOn;

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public bool TryRewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (!target.TryGetPropertyValue("product", out var product))
        {
            return false;
        }

        target.Remove("product");
        if (!target.TryGetPropertyValue("products", out var products) || products is null)
        {
            target["products"] = new JsonArray(CompatJson.Detach(product));
            return true;
        }

        if (products is not JsonArray { Count: 1 } array || !JsonNode.DeepEquals(array[0], product))
        {
            conflicts.Add(new ErrorDetail("product", "Conflicts with 'products': send only 'products'."));
        }

        return true;
    }
}
