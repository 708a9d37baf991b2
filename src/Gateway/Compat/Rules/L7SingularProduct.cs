using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>
/// L7 (1.0–1.3): singular <c>product: { … }</c> → <c>products: [{ … }]</c>. The product rows (L11–L13) have already
/// rewritten the object, and each item of <c>products</c>, so the two are compared in the current shape.
/// </summary>
internal sealed class L7SingularProduct : ICompatRule
{
    public string Id => "L7";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["product"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (!target.Take("product", out var product))
        {
            return null;
        }

        if (!target.TryGetNonNull("products", out var products))
        {
            target["products"] = new JsonArray(product);
            return this;
        }

        if (products is not JsonArray { Count: 1 } array || !JsonNode.DeepEquals(array[0], product))
        {
            conflicts.Add(new ErrorDetail("product", "Conflicts with 'products': send only 'products'."));
        }

        return this;
    }
}
