using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L6 (1.3): <c>customer: { source: { id | url | fileKey } }</c> → <c>person.image.source: { … }</c>.</summary>
internal sealed class L6CustomerSource : ICompatRule
{
    public string Id => "L6";

    public CompatSurface Surface => CompatSurface.TryOn;

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public bool TryRewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (target["customer"] is not JsonObject customer || !customer.ContainsKey("source"))
        {
            return false;
        }

        target.Remove("customer");
        if (customer["source"] is not JsonObject source)
        {
            conflicts.Add(new ErrorDetail("customer.source", "Expected an object."));
            return true;
        }

        customer.Remove("source");
        PersonSource.Set(target, source, "customer", conflicts);
        return true;
    }
}
