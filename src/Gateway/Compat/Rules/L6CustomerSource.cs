using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L6 (1.3): <c>customer: { source: { id | url | fileKey } }</c> → <c>person.image.source: { … }</c>.</summary>
internal sealed class L6CustomerSource : ICompatRule
{
    public string Id => "L6";

    public CompatSurface Surface => CompatSurface.TryOn;

    // customer set to null is reported here, not under L4 or L5: a null says nothing of the object's inner shape, and
    // what 1.4 deprecated (this row's date) is the customer member itself.
    public IReadOnlyList<string> LegacyNames { get; } = ["customer"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (target.GetObject("customer") is not { } customer || !customer.TryGetPropertyValue("source", out var source))
        {
            return null;
        }

        target.Remove("customer");
        if (source is not JsonObject)
        {
            conflicts.Add(new ErrorDetail("customer.source", "Expected an object."));
            return this;
        }

        PersonSource.Set(target, source, "customer", conflicts);
        return this;
    }
}
