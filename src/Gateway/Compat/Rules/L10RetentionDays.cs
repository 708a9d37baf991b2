using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L10 (1.1): top-level <c>retentionDays: 1|3|7</c> → <c>output.keepForDays</c>.</summary>
internal sealed class L10RetentionDays : ICompatRule
{
    public string Id => "L10";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["retentionDays"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts) =>
        OutputMember.Move(target, "retentionDays", "keepForDays", "output.keepForDays", conflicts) ? this : null;
}
