using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L3 (alpha): top-level <c>customerImageId: "i"</c> → <c>person.image.source.id: "i"</c>.</summary>
internal sealed class L3CustomerImageId : ICompatRule
{
    public string Id => "L3";

    public CompatSurface Surface => CompatSurface.TryOn;

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public bool TryRewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (!target.TryGetPropertyValue("customerImageId", out var id))
        {
            return false;
        }

        target.Remove("customerImageId");
        PersonSource.Set(target, new JsonObject { ["id"] = CompatJson.Detach(id) }, "customerImageId", conflicts);
        return true;
    }
}

/// <summary>Shared by L3–L6: every legacy spelling of the shopper photo ends as <c>person.image.source</c>.</summary>
internal static class PersonSource
{
    public static void Set(JsonObject body, JsonObject source, string legacyPath, List<ErrorDetail> conflicts)
    {
        var person = CompatJson.GetOrAddObject(body, "person");
        var image = person is null ? null : CompatJson.GetOrAddObject(person, "image");
        CompatJson.MoveOrConflict(source, image, "source", legacyPath, "person.image.source", conflicts);
    }
}
