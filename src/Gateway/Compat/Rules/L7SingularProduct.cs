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

    public IReadOnlyList<string> LegacyMembers { get; } = ["product"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public ICompatShape? Rewrite(CompatObject target, string path, List<ErrorDetail> conflicts)
    {
        if (!target.Remove("product", out var product))
        {
            return null;
        }

        if (!target.TryGetNonNull("products", out var products))
        {
            target.Set("products", new CompatArray(product));
            return this;
        }

        if (products.AsArray() is not { Count: 1 } array || !CompatValue.DeepEquals(array[0], product))
        {
            conflicts.Add(new ErrorDetail("product", "Conflicts with 'products': send only 'products'."));
        }

        return this;
    }
}
