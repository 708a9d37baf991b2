using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L9 (1.0): top-level <c>useWatermark: bool</c> → <c>output.watermark</c>.</summary>
internal sealed class L9UseWatermark : ICompatRule
{
    public string Id => "L9";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["useWatermark"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts) =>
        OutputMember.Move(target, "useWatermark", "watermark", "output.watermark", conflicts) ? this : null;
}

/// <summary>Shared by L9 and L10: a top-level result control moves under <c>output</c>.</summary>
internal static class OutputMember
{
    public static bool Move(JsonObject body, string legacyName, string currentName, string currentPath, List<ErrorDetail> conflicts)
    {
        if (!body.Take(legacyName, out var value))
        {
            return false;
        }

        // Sent as null: dropped by the engine before this runs.
        ArgumentNullException.ThrowIfNull(value);
        CompatJson.MoveOrConflict(value, body.GetOrAddObject("output"), currentName, legacyName, currentPath, conflicts);
        return true;
    }
}
