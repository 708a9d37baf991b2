using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L3 (alpha): top-level <c>customerImageId: "i"</c> → <c>person.image.source.id: "i"</c>.</summary>
internal sealed class L3CustomerImageId : ICompatRule
{
    public string Id => "L3";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["customerImageId"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (!target.Take("customerImageId", out var id) || id is null)
        {
            return null;
        }

        PersonSource.Set(target, PersonSource.WithId(id), "customerImageId", conflicts);
        return this;
    }
}

/// <summary>Shared by L3–L6: every legacy spelling of the shopper photo ends as <c>person.image.source</c>.</summary>
internal static class PersonSource
{
    public static void Set(JsonObject body, JsonNode source, string legacyPath, List<ErrorDetail> conflicts)
    {
        var person = body.GetOrAddObject("person");
        var image = person?.GetOrAddObject("image");
        CompatJson.MoveOrConflict(source, image, "source", legacyPath, "person.image.source", conflicts);
    }

    /// <summary><c>{ "id": … }</c>, the source of an uploaded photo.</summary>
    public static JsonObject WithId(JsonNode? id) => new() { ["id"] = CompatJson.Detached(id) };
}
