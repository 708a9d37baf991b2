using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L4 (alpha): <c>customer: { imageId: "i" }</c> → <c>person.image.source.id: "i"</c>.</summary>
internal sealed class L4CustomerImageIdObject : ICompatRule
{
    public string Id => "L4";

    public CompatSurface Surface => CompatSurface.TryOn;

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public bool TryRewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (target["customer"] is not JsonObject customer || !customer.ContainsKey("imageId") || customer.ContainsKey("source"))
        {
            return false;
        }

        target.Remove("customer");
        PersonSource.Set(target, new JsonObject { ["id"] = CompatJson.Detach(customer["imageId"]) }, "customer", conflicts);
        return true;
    }
}
