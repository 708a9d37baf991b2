using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L4 (alpha): <c>customer: { imageId: "i" }</c> → <c>person.image.source.id: "i"</c>.</summary>
internal sealed class L4CustomerImageIdObject : ICompatRule
{
    public string Id => "L4";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["customer"];

    // customer set to null is L6's.
    public IReadOnlyList<string> DroppedWhenNull { get; } = [];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (target.GetObject("customer") is not { } customer || !customer.TryGetPropertyValue("imageId", out var id) || customer.ContainsKey("source"))
        {
            return null;
        }

        target.Remove("customer");
        PersonSource.Set(target, PersonSource.WithId(id), "customer", conflicts);
        return this;
    }
}
