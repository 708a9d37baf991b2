using Genlook.Gateway.Compat;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Bodies;

/// <summary>The outcome of rewriting one JSON body: the bytes to forward, or why nothing may be forwarded.</summary>
internal sealed class BodyRewrite
{
    public static readonly IReadOnlyList<ICompatShape> NoRules = [];

    public byte[] Body { get; init; } = [];

    public IReadOnlyList<ErrorDetail>? Errors { get; init; }

    /// <summary><c>person.image.source.id</c> of the rewritten body: the uploaded image the caller must own.</summary>
    public string? PersonImageId { get; init; }

    /// <summary><c>output.keepForDays</c> of the rewritten body, when set.</summary>
    public int? KeepForDays { get; init; }

    /// <summary>The COMPAT.md rows that were applied; empty for a canonical body.</summary>
    public IReadOnlyList<ICompatShape> AppliedRules { get; init; } = NoRules;

    public static BodyRewrite Invalid(IReadOnlyList<ErrorDetail> errors) => new() { Errors = errors };
}
