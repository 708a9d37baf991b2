namespace Genlook.Gateway.Compat;

/// <summary>The legacy shapes the body stage rewrote on this request; set only when it rewrote some.</summary>
public interface ICompatRewriteFeature
{
    IReadOnlyList<ICompatShape> AppliedShapes { get; }
}

internal sealed record CompatRewriteFeature(IReadOnlyList<ICompatShape> AppliedShapes) : ICompatRewriteFeature;
