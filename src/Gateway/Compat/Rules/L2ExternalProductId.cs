using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L2 (before 1.0): top-level <c>externalProductId: "x"</c> → <c>products: [{ "externalId": "x" }]</c>.</summary>
internal sealed class L2ExternalProductId : ICompatRule
{
    public string Id => "L2";

    public CompatSurface Surface => CompatSurface.TryOn;

    public IReadOnlyList<string> LegacyNames { get; } = ["externalProductId"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts) =>
        ProductReference.MoveToProducts(target, "externalProductId", conflicts) ? this : null;
}
