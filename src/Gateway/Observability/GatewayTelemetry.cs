using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Genlook.Gateway.Observability;

/// <summary>
/// The gateway's own signals: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <c>Genlook.Gateway</c>. Instruments are named <c>gateway.*</c>; tags are low-cardinality (never ids or pseudonyms).
/// </summary>
public sealed class GatewayTelemetry : IDisposable
{
    public const string Name = "Genlook.Gateway";

    public static readonly ActivitySource ActivitySource = new(Name);

    public GatewayTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        UpstreamErrors = Meter.CreateCounter<long>("gateway.upstream.errors", "{error}", "Upstream failures by mapped gateway error code.");
        OwnershipDenials = Meter.CreateCounter<long>("gateway.ownership.denials", "{request}", "Requests refused because the caller does not own the generation or image.");
        RateLimitDecisions = Meter.CreateCounter<long>("gateway.ratelimit.decisions", "{request}", "Rate-limit verdicts by policy, outcome and source (shared Redis, or the per-instance fallback).");
        CacheLookups = Meter.CreateCounter<long>("gateway.cache.lookups", "{lookup}", "Generation status cache lookups by result (hit, miss).");
        IdempotentReplays = Meter.CreateCounter<long>("gateway.idempotency.replays", "{response}", "Stored responses replayed for a repeated Idempotency-Key (no Genlook call).");
        GdprJobs = Meter.CreateCounter<long>("gateway.gdpr.jobs", "{job}", "GDPR erase jobs by state change (accepted, completed, failed).");
        GdprAttempts = Meter.CreateCounter<long>("gateway.gdpr.attempts", "{attempt}", "Attempts at erasing a user from one target, by target kind and outcome.");
        CompatRewrites = Meter.CreateCounter<long>("gateway.compat.rewrites", "{rewrite}", "Legacy request shapes rewritten to Genlook v1 (1.4), by COMPAT.md row and route.");
    }

    public Meter Meter { get; }

    /// <summary><c>gateway.upstream.errors</c>, tagged <c>error.code</c> and <c>route</c>.</summary>
    public Counter<long> UpstreamErrors { get; }

    /// <summary><c>gateway.ownership.denials</c>, tagged <c>route</c>.</summary>
    public Counter<long> OwnershipDenials { get; }

    /// <summary><c>gateway.compat.rewrites</c>, tagged <c>compat.row</c> and <c>route</c>.</summary>
    public Counter<long> CompatRewrites { get; }

    /// <summary><c>gateway.ratelimit.decisions</c>, tagged <c>policy</c>, <c>outcome</c> (allowed, rejected) and <c>source</c> (shared, fallback).</summary>
    public Counter<long> RateLimitDecisions { get; }

    /// <summary><c>gateway.cache.lookups</c>, tagged <c>cache.result</c> (hit, miss).</summary>
    public Counter<long> CacheLookups { get; }

    /// <summary><c>gateway.idempotency.replays</c>, tagged <c>route</c>.</summary>
    public Counter<long> IdempotentReplays { get; }

    /// <summary><c>gateway.gdpr.jobs</c>, tagged <c>gdpr.job.state</c> (accepted, completed, failed).</summary>
    public Counter<long> GdprJobs { get; }

    /// <summary><c>gateway.gdpr.attempts</c>, tagged <c>gdpr.target.kind</c> (genlook, store) and <c>outcome</c>.</summary>
    public Counter<long> GdprAttempts { get; }

    public void Dispose() => Meter.Dispose();
}
