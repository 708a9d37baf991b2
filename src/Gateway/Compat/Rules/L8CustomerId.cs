using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>
/// L8 (1.1): top-level <c>customerId</c> → <c>externalUserId</c>. Both are then replaced by the caller's pseudonym
/// (CONTRACT §2), so the legacy value is dropped and never conflicts: neither value is ever forwarded.
/// </summary>
internal sealed class L8CustomerId : ICompatRule
{
    public string Id => "L8";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["customerId"];

    // Dropped whatever its value, null included.
    public IReadOnlyList<string> DroppedWhenNull { get; } = [];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_4;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts) => target.Remove("customerId") ? this : null;
}
