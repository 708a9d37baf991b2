using Genlook.Gateway.Compat;

namespace Genlook.Gateway.Bodies;

/// <summary>What the body pipeline did to a request, for the stages after it (ownership TTLs, deprecation headers).</summary>
public interface IRequestRewriteFeature
{
    /// <summary>Legacy shapes that were rewritten; empty for a canonical request.</summary>
    IReadOnlyList<ICompatShape> AppliedShapes { get; }

    /// <summary>The <c>keepForDays</c> the forwarded request carries, when it carries one.</summary>
    int? KeepForDays { get; }

    /// <summary>SHA-256 of what is forwarded (for <c>Idempotency-Key</c>); <c>null</c> when the request has no key.</summary>
    byte[]? Fingerprint { get; }
}

internal sealed record RequestRewriteFeature(IReadOnlyList<ICompatShape> AppliedShapes, int? KeepForDays, byte[]? Fingerprint) : IRequestRewriteFeature;
