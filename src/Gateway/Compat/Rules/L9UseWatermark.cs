using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L9 (1.0): top-level <c>useWatermark: bool</c> → <c>output.watermark</c>.</summary>
internal sealed class L9UseWatermark : ICompatRule
{
    public string Id => "L9";

    public CompatSurface Surface => CompatSurface.TryOn;

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public bool TryRewrite(JsonObject target, string path, List<ErrorDetail> conflicts) =>
        OutputMember.Move(target, "useWatermark", "watermark", conflicts);
}

/// <summary>Shared by L9 and L10: a top-level result control moves under <c>output</c>.</summary>
internal static class OutputMember
{
    public static bool Move(JsonObject body, string legacyName, string currentName, List<ErrorDetail> conflicts)
    {
        if (!body.TryGetPropertyValue(legacyName, out var value))
        {
            return false;
        }

        body.Remove(legacyName);
        CompatJson.MoveOrConflict(value, CompatJson.GetOrAddObject(body, "output"), currentName, legacyName, "output." + currentName, conflicts);
        return true;
    }
}
