namespace Genlook.Gateway.RateLimiting;

/// <summary>One budget to charge: a store key and its policy.</summary>
public sealed record RateLimitRule(string Policy, string Key, int PermitLimit, TimeSpan Window);

/// <summary>
/// What to charge for one request: the rules (all or none), the account hold to honour, if any, and the id under which
/// the admission is logged (so an abandoned batch's late admission can be taken back exactly).
/// </summary>
public sealed record RateLimitRequest(IReadOnlyList<RateLimitRule> Rules, string? HoldKey)
{
    // Unique across instances (a random prefix per process) without a GUID per request.
    private static readonly string InstancePrefix = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) + ":";
    private static long _admissions;

    public string AdmissionId { get; } = InstancePrefix + Interlocked.Increment(ref _admissions).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The state of one rule after a decision, for the <c>RateLimit</c> header.</summary>
public readonly record struct RateLimitState(int Remaining, TimeSpan ResetAfter);

/// <summary>The verdict for one request.</summary>
public sealed record RateLimitDecision(bool Allowed, TimeSpan RetryAfter, IReadOnlyList<RateLimitState> States, bool FromFallback = false);

/// <summary>Where the admission logs live: Redis (shared) or memory (one instance).</summary>
public interface IRateLimitStore
{
    /// <summary>Checks every rule and the hold, and charges all rules or none, atomically.</summary>
    Task<RateLimitDecision> AcquireAsync(RateLimitRequest request, CancellationToken cancellationToken = default);

    /// <summary>Holds further requests that honour <paramref name="holdKey"/> for <paramref name="duration"/> (Genlook said 429).</summary>
    Task HoldAsync(string holdKey, TimeSpan duration, CancellationToken cancellationToken = default);
}
