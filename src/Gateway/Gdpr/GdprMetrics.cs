using System.Diagnostics.Metrics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.Gdpr;

/// <summary>
/// GDPR's instruments: job state changes, attempts per target, and the age of the oldest unfinished job (refreshed by
/// the worker loop, no store call per scrape).
/// On the gateway's meter (<c>Genlook.Gateway</c>), created from <see cref="IMeterFactory"/>.
/// </summary>
internal sealed class GdprMetrics
{
    public GdprMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(GatewayTelemetry.Name);
        Jobs = meter.CreateCounter<long>("gateway.gdpr.jobs", "{job}", "GDPR erase jobs by state change (accepted, completed, failed).");
        Attempts = meter.CreateCounter<long>("gateway.gdpr.attempts", "{attempt}", "Attempts at erasing a user from one target, by target kind and outcome.");
        meter.CreateObservableGauge("gateway.gdpr.oldest_pending_age", () => OldestPendingAge?.TotalSeconds ?? 0, "s",
            "Age of the oldest unfinished GDPR erase job (0 when none): alert when it grows.");
    }

    /// <summary><c>gateway.gdpr.jobs</c>, tagged <c>gdpr.job.state</c> (accepted, completed, failed).</summary>
    public Counter<long> Jobs { get; }

    /// <summary><c>gateway.gdpr.attempts</c>, tagged <c>gdpr.target.kind</c> (genlook, store) and <c>outcome</c>.</summary>
    public Counter<long> Attempts { get; }

    /// <summary>What <c>gateway.gdpr.oldest_pending_age</c> reports (s); <c>null</c> when no job is unfinished.</summary>
    public TimeSpan? OldestPendingAge { get; set; }
}
