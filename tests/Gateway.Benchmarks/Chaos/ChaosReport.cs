using System.Globalization;
using System.Text;

namespace Genlook.Gateway.Benchmarks.Chaos;

internal sealed record ChaosResult(
    ChaosOptions Options, IReadOnlyList<Phase> Phases, IReadOnlyList<RequestRecord> Records, ChaosUser[] Users, IReadOnlyList<ResourceSample> Samples,
    OwnershipTally[] Ownership, IReadOnlyList<LogSummary> Logs, bool CountReached, double LoadEndedMs, double? KilledAtMs, double? KilledBackMs);

/// <summary>The Markdown report of a chaos run: what happened in each phase, what was lost, what was over-admitted, what grew.</summary>
internal static class ChaosReport
{
    private static readonly (string Title, Func<RequestRecord, bool> Match)[] OutcomeColumns =
    [
        ("200", r => r.Status == 200),
        ("304", r => r.Status == 304),
        ("403 FORBIDDEN", r => r is { Status: 403, Code: "FORBIDDEN" }),
        ("404 GENERATION_NOT_FOUND", r => r is { Status: 404, Code: "GENERATION_NOT_FOUND" }),
        ("429", r => r.Status == 429),
        ("502", r => r.Status == 502),
        ("503 STORE_UNAVAILABLE", r => r is { Status: 503, Code: "STORE_UNAVAILABLE" }),
        ("500 INTERNAL_ERROR", r => r is { Status: 500, Code: "INTERNAL_ERROR" }),
        ("no answer", r => r.Failure != Failure.None),
    ];

    private static readonly Dictionary<string, Operation[]> PolicyOperations = new()
    {
        ["reads"] = [Operation.Read, Operation.Poll, Operation.ProbeGeneration],
        ["tryon"] = [Operation.TryOn, Operation.ProbeImage],
        ["uploads"] = [Operation.Upload],
        ["account"] = [Operation.TryOn, Operation.ProbeImage],
    };

    public static string Build(ChaosResult result)
    {
        var o = result.Options;
        var records = result.Records;
        var byPhase = records.GroupBy(r => PhaseOf(result.Phases, r.StartMs)).ToDictionary(g => g.Key, g => g.ToList());
        var md = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine(ci, $"# Chaos and soak run {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z");
        md.AppendLine();
        md.AppendLine(ci, $"{o.Minutes:0.#} min planned, {result.LoadEndedMs / 60_000:0.0} min of load, {Environment.ProcessorCount} cores; two gateway instances (Release, own processes), " +
            $"redis-server (AOF), the Genlook emulator (PENDING 0.5 s, PROCESSING 1.5 s). {o.Users} users with 0.3–0.9 s think time, {o.Hammers} hammer users " +
            $"(3 loops each, 50–150 ms pause, alternating instances). {records.Count} requests{(result.CountReached ? $" (stopped at the --max-requests bound {o.MaxRequests})" : "")}.");
        var overrides = o.GatewayEnvironment.Count == 0 ? "." : $", except {string.Join(", ", o.GatewayEnvironment.Select(e => $"`{e.Key}={e.Value}`"))}.";
        md.AppendLine(ci, $"Limits: {string.Join(", ", ChaosRunner.Limits.Select(l => $"`{l.Key}` {l.Value.Limit} per {l.Value.Window.TotalSeconds:0} s"))}; other settings at their defaults{overrides}");
        md.AppendLine();

        md.AppendLine("## Phases");
        md.AppendLine();
        md.AppendLine("| phase | from s | to s | what happened |");
        md.AppendLine("|---|---|---|---|");
        foreach (var phase in result.Phases)
        {
            md.AppendLine(ci, $"| {phase.Name} | {phase.StartMs / 1000:0.0} | {phase.EndMs / 1000:0.0} | {phase.Note}{(phase.FaultStartMs is { } f ? $" (fault at {f / 1000:0.0} s, recovered at {phase.RecoveredMs / 1000:0.0} s)" : "")} |");
        }

        md.AppendLine();
        md.AppendLine("## Outcomes per phase");
        md.AppendLine();
        md.AppendLine("Status and error `code` of every answer; *no answer* is a connection error or no answer within 40 s.");
        md.AppendLine();
        md.AppendLine(ci, $"| phase | requests | {string.Join(" | ", OutcomeColumns.Select(c => c.Title))} | other |");
        md.AppendLine(ci, $"|---|---|{string.Concat(OutcomeColumns.Select(_ => "---|"))}---|");
        foreach (var phase in result.Phases)
        {
            var rows = byPhase.GetValueOrDefault(phase.Name, []);
            var other = rows.Where(r => !OutcomeColumns.Any(c => c.Match(r))).GroupBy(Outcome).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}");
            md.AppendLine(ci, $"| {phase.Name} | {rows.Count} | {string.Join(" | ", OutcomeColumns.Select(c => rows.Count(c.Match)))} | {string.Join(", ", other)} |");
        }

        md.AppendLine();
        md.AppendLine("## Outcomes per operation (whole run)");
        md.AppendLine();
        md.AppendLine("| operation | expected | requests | outcomes |");
        md.AppendLine("|---|---|---|---|");
        foreach (var operation in Enum.GetValues<Operation>())
        {
            var rows = records.Where(r => r.Operation == operation).ToList();
            var expected = operation switch
            {
                Operation.ProbeGeneration => "404 GENERATION_NOT_FOUND (another user's generation)",
                Operation.ProbeImage => "403 FORBIDDEN (another user's image)",
                Operation.Poll => "200 / 304 (own generation)",
                _ => "200, or 429",
            };
            md.AppendLine(ci, $"| {operation} | {expected} | {rows.Count} | {string.Join(", ", rows.GroupBy(Outcome).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}"))} |");
        }

        var leaks = records.Count(r => r.Operation is Operation.ProbeGeneration or Operation.ProbeImage && ChaosLoad.IsSuccess(r.Status));
        md.AppendLine();
        md.AppendLine(ci, $"Cross-user probes answered 2xx (another user's generation or image served): **{leaks}**.");

        AppendLost(md, result, byPhase);
        AppendOwnership(md, result);
        AppendLimits(md, result);
        AppendResources(md, result);
        return md.ToString();
    }

    private static void AppendLost(StringBuilder md, ChaosResult result, Dictionary<string, List<RequestRecord>> byPhase)
    {
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine();
        md.AppendLine("## Requests lost");
        md.AppendLine();
        md.AppendLine("Sent and never answered. Those in flight on the killed instance when it was killed, and those a worker had already sent to it " +
            "before it left the rotation, are counted apart: they are the crash's, not lost by a live instance.");
        md.AppendLine();
        md.AppendLine("| phase | requests | answered | **lost** | killed instance: in flight | killed instance: sent while down |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var phase in result.Phases)
        {
            var rows = byPhase.GetValueOrDefault(phase.Name, []);
            var unanswered = rows.Where(r => r.Failure != Failure.None).ToList();
            var inFlight = unanswered.Count(r => KilledInFlight(result, r));
            var whileDown = unanswered.Count(r => SentWhileDown(result, r));
            md.AppendLine(ci, $"| {phase.Name} | {rows.Count} | {rows.Count - unanswered.Count} | **{unanswered.Count - inFlight - whileDown}** | {inFlight} | {whileDown} |");
        }

        var killedTryOns = result.Records.Count(r => KilledInFlight(result, r) && r.Operation is Operation.TryOn or Operation.ProbeImage);
        md.AppendLine();
        md.AppendLine(ci, $"Try-ons among the killed instance's in-flight requests: {killedTryOns}.");
    }

    private static bool KilledInFlight(ChaosResult result, RequestRecord r) =>
        r.Failure != Failure.None && r.Instance == 1 && result.KilledAtMs is { } kill && r.StartMs <= kill && r.EndMs >= kill;

    private static bool SentWhileDown(ChaosResult result, RequestRecord r) =>
        r.Failure != Failure.None && r.Instance == 1 && result.KilledAtMs is { } kill && r.StartMs > kill && r.StartMs <= (result.KilledBackMs ?? double.MaxValue);

    private static void AppendOwnership(StringBuilder md, ChaosResult result)
    {
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine();
        md.AppendLine("## Ownership records");
        md.AppendLine();
        md.AppendLine("Every generation id and image id a 2xx handed to a user, used by that user again after the run through a fresh instance on the same " +
            "Redis (limits lifted): `GET /tryon/v1/generations/{id}` must be 200, a try-on naming the image 2xx. Lost = 404/403 to the owner.");
        md.AppendLine();
        md.AppendLine("| record | issued | readable by its owner | **lost** | not checked | failures |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var t in result.Ownership)
        {
            md.AppendLine(ci, $"| {t.Kind} | {t.Issued} | {t.Readable} | **{t.Lost}** | {t.Unchecked} | {t.Failures} |");
        }
    }

    private static void AppendLimits(StringBuilder md, ChaosResult result)
    {
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine();
        md.AppendLine("## Limits exceeded");
        md.AppendLine();
        md.AppendLine("Per user and policy (`account`: all users together), the most requests admitted within one window. Admitted counts only answers that " +
            "could not exist without an admission (2xx, 304), and a request counts in a window only when it was both sent and answered inside it: " +
            "a lower bound, so any excess is certain. Allowed: 0 in windows away from a fault (`exact` policies, CONTRACT §6); in a window that " +
            $"overlaps a fault, {result.Options.OutageAllowance:0.##} × the limit (`--outage-allowance`; issue #21: each instance falls back to its share, limit ÷ 2).");
        md.AppendLine();
        md.AppendLine("| policy | limit | phase (window start) | keys | max admitted in a window | max over the limit | allowed over | windows over the allowance | verdict |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (policy, operations) in PolicyOperations)
        {
            var (limit, window) = ChaosRunner.Limits[policy];
            var admitted = result.Records.Where(r => operations.Contains(r.Operation) && ChaosLoad.IsSuccess(r.Status));
            var keys = policy == "account" ? admitted.GroupBy(_ => -1) : admitted.GroupBy(r => r.User);
            var windows = keys.SelectMany(k => Windows(k.OrderBy(r => r.StartMs).ToArray(), window.TotalMilliseconds).Select(w => (Key: k.Key, w.StartMs, w.Count, w.EndMs))).ToList();
            foreach (var phase in result.Phases)
            {
                var mine = windows.Where(w => PhaseOf(result.Phases, w.StartMs) == phase.Name).ToList();
                if (mine.Count == 0)
                {
                    md.AppendLine(ci, $"| {policy} | {limit}/{window.TotalSeconds:0}s | {phase.Name} | 0 | 0 | — | — | 0 | no admissions |");
                    continue;
                }

                var allowed = Allowance(result, limit, mine.MaxBy(w => w.Count));
                var over = mine.Where(w => w.Count - limit > Allowance(result, limit, w)).ToList();
                var max = mine.Max(w => w.Count);
                md.AppendLine(ci, $"| {policy} | {limit}/{window.TotalSeconds:0}s | {phase.Name} | {mine.Select(w => w.Key).Distinct().Count()} | {max} | {Math.Max(0, max - limit)} | {allowed} | {over.Count} | {(over.Count == 0 ? "within" : $"**exceeded** (keys {string.Join(", ", over.Select(w => w.Key).Distinct().Take(5))})")} |");
            }
        }
    }

    private static int Allowance(ChaosResult result, int limit, (int Key, double StartMs, int Count, double EndMs) w) =>
        result.Phases.Any(p => p.FaultStartMs is { } f && w.StartMs <= p.RecoveredMs && w.EndMs >= f) ? (int)Math.Floor(limit * result.Options.OutageAllowance) : 0;

    /// <summary>For each admission, the admissions sent at or after it and answered within one window of it (sorted by start).</summary>
    private static IEnumerable<(double StartMs, int Count, double EndMs)> Windows(RequestRecord[] sorted, double windowMs)
    {
        for (var i = 0; i < sorted.Length; i++)
        {
            var end = sorted[i].StartMs + windowMs;
            var count = 0;
            for (var j = i; j < sorted.Length && sorted[j].StartMs < end; j++)
            {
                count += sorted[j].EndMs < end ? 1 : 0;
            }

            yield return (sorted[i].StartMs, count, end);
        }
    }

    private static void AppendResources(StringBuilder md, ChaosResult result)
    {
        var ci = CultureInfo.InvariantCulture;
        md.AppendLine();
        md.AppendLine("## RSS and open file descriptors");
        md.AppendLine();
        md.AppendLine("`VmRSS` (MB) / entries of `/proc/<pid>/fd`, at the start (instances ready, no load yet), after each phase and at the end; a restart is a new row.");
        md.AppendLine();
        var points = result.Samples.Select(s => s.Point).Distinct().ToList();
        md.AppendLine(ci, $"| process | pid | {string.Join(" | ", points)} |");
        md.AppendLine(ci, $"|---|---|{string.Concat(points.Select(_ => "---|"))}");
        foreach (var life in result.Samples.Select(s => s.Life).Distinct())
        {
            var cells = points.Select(p => result.Samples.FirstOrDefault(s => s.Life == life && s.Point == p) is { } s ? $"{s.RssKb / 1024.0:0} / {s.Fds}" : "—");
            md.AppendLine(ci, $"| {life.Name} | {life.Pid} | {string.Join(" | ", cells)} |");
        }

        md.AppendLine();
        md.AppendLine("## Logs");
        md.AppendLine();
        md.AppendLine("| log | lines | warn | fail | crit |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var log in result.Logs)
        {
            md.AppendLine(ci, $"| {log.File} | {log.Lines} | {log.Warnings} | {log.Errors} | {log.Critical} |");
        }

        md.AppendLine();
        md.AppendLine("Warnings and errors of the two load instances by phase (`Category[EventId]` ×lines; *start-up* is before the load).");
        md.AppendLine();
        md.AppendLine("| phase | warn | fail | crit | most frequent |");
        md.AppendLine("|---|---|---|---|---|");
        var entries = result.Logs.Where(l => l.File.StartsWith("gateway-", StringComparison.Ordinal)).SelectMany(l => l.Entries).ToList();
        foreach (var group in entries.GroupBy(e => e.AtMs < 0 ? "start-up" : PhaseOf(result.Phases, e.AtMs)).OrderBy(g => g.Min(e => e.AtMs)))
        {
            var top = group.GroupBy(e => $"{e.Level} {e.Source}").OrderByDescending(g => g.Count()).Take(4).Select(g => $"{g.Key} ×{g.Count()}");
            md.AppendLine(ci, $"| {group.Key} | {group.Count(e => e.Level == "warn")} | {group.Count(e => e.Level == "fail")} | {group.Count(e => e.Level == "crit")} | {string.Join(", ", top)} |");
        }
    }

    private static string PhaseOf(IReadOnlyList<Phase> phases, double ms) =>
        phases.FirstOrDefault(p => ms < p.EndMs)?.Name ?? phases[^1].Name;

    private static string Outcome(RequestRecord r) => r.Failure switch
    {
        Failure.Connection => "no answer (connection)",
        Failure.Timeout => "no answer (timeout)",
        _ when r.Code is null => r.Status.ToString(CultureInfo.InvariantCulture),
        _ => $"{r.Status} {r.Code}",
    };
}
