using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L4 (alpha): <c>customer: { imageId: "i" }</c> → <c>person.image.source.id: "i"</c>.</summary>
internal sealed class L4CustomerImageIdObject : ICompatRule
{
    public string Id => "L4";

    public CompatSurface Surface => CompatSurface.TryOn;

    // customer set to null is L6's.
    public IReadOnlyList<string> LegacyMembers { get; } = [];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public ICompatShape? Rewrite(CompatObject target, string path, List<ErrorDetail> conflicts)
    {
        if (target.GetObject("customer") is not { } customer || !customer.TryGet("imageId", out var id) || customer.Contains("source"))
        {
            return null;
        }

        target.Remove("customer");
        PersonSource.Set(target, PersonSource.WithId(id), "customer", conflicts);
        return this;
    }
}
