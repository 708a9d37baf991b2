using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L13: product <c>autoDetectImageRoles</c> (removed in 1.2) and <c>autoClassifyImages</c> (removed in 1.3) are dropped.</summary>
internal sealed class L13RemovedProductFlags : ICompatRule
{
    public string Id => "L13";

    public CompatSurface Surface => CompatSurface.Product;

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_2;

    public ICompatShape? Rewrite(CompatObject target, string path, List<ErrorDetail> conflicts) =>
        target.Remove("autoClassifyImages") | target.Remove("autoDetectImageRoles") ? this : null;
}
