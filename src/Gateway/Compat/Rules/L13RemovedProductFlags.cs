using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L13: product <c>autoDetectImageRoles</c> (removed in 1.2) and <c>autoClassifyImages</c> (removed in 1.3) are dropped.</summary>
internal sealed class L13RemovedProductFlags : ICompatRule
{
    // autoClassifyImages replaced autoDetectImageRoles in 1.2.0 and was itself removed in 1.3.0: a product that sends
    // only it is dated by its own removal. Same row, so the same counter tag.
    private static readonly CompatShape AutoClassifyImages = new("L13", GenlookReleases.V1_3AutoClassifyImagesRemoved);

    public string Id => "L13";

    public CompatSurface Surface => CompatSurface.Product;

    public IReadOnlyList<string> LegacyNames { get; } = ["autoDetectImageRoles", "autoClassifyImages"];

    // Dropped whatever their value, null included, and dated by the flag found (a null flag is still the flag).
    public IReadOnlyList<string> DroppedWhenNull { get; } = [];

    /// <summary>When <c>autoDetectImageRoles</c> was removed, the earlier of the two.</summary>
    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_2;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        var autoDetectImageRoles = target.Remove("autoDetectImageRoles");
        var autoClassifyImages = target.Remove("autoClassifyImages");

        // Both: the earlier date, as CompatReporter picks the earliest of several rows.
        return autoDetectImageRoles ? this : autoClassifyImages ? AutoClassifyImages : null;
    }
}
