using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L5 (1.0–1.2): <c>customer: { id | url | fileKey }</c> → <c>person.image.source: { id | url | fileKey }</c>.</summary>
internal sealed class L5CustomerFlat : ICompatRule
{
    public string Id => "L5";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["customer"];

    // customer set to null is L6's.
    public IReadOnlyList<string> DroppedWhenNull { get; } = [];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_3;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (target.GetObject("customer") is not { } customer || customer.ContainsKey("source") || customer.ContainsKey("imageId"))
        {
            return null;
        }

        target.Remove("customer");
        PersonSource.Set(target, customer, "customer", conflicts);
        return this;
    }
}
