using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Genlook.Emulator;
using Genlook.Gateway.Benchmarks.LoadSupport;

namespace Genlook.Gateway.Benchmarks.Chaos;

/// <summary>What a chaos run is given on its command line (see chaos/run.sh).</summary>
internal sealed record ChaosOptions(
    double Minutes, string WorkDir, string ReportPath, string GatewayDll, int Users, int Hammers, TimeSpan Pause, long MaxRequests, double OutageAllowance, string? RecordsPath,
    IReadOnlyDictionary<string, string> GatewayEnvironment)
{
    public static ChaosOptions Parse(string[] args)
    {
        string Get(string name, string fallback) => LoadTokens.Argument(args, name) ?? fallback;
        double Number(string name, double fallback) => double.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var options = new ChaosOptions(
            Number("--minutes", 10),
            Get("--work", Path.Combine(Path.GetTempPath(), "chaos-" + Environment.ProcessId)),
            Get("--report", "chaos-report.md"),
            LoadTokens.Argument(args, "--gateway-dll") ?? throw new ArgumentException("--gateway-dll is required"),
            (int)Number("--users", 60),
            (int)Number("--hammers", 4),
            TimeSpan.FromSeconds(Number("--pause-seconds", 3)),
            (long)Number("--max-requests", 2_000_000),
            Number("--outage-allowance", 0.5),
            LoadTokens.Argument(args, "--records"),
            args.Zip(args.Skip(1)).Where(p => p.First == "--gateway-env" && p.Second.Contains('=', StringComparison.Ordinal))
                .Select(p => p.Second.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]));
        if (options.Minutes is < 1 or > 240 || options.Users < 2 || options.Hammers < 1 || options.Pause <= TimeSpan.Zero || options.MaxRequests < 1)
        {
            throw new ArgumentException("--minutes 1..240, --users >= 2, --hammers >= 1, --pause-seconds > 0, --max-requests >= 1");
        }

        return options;
    }
}

/// <summary>One phase of the run: steady load, or a fault and the recovery after it.</summary>
internal sealed record Phase(string Name, double StartMs, double EndMs, double? FaultStartMs, double? RecoveredMs, string Note);

/// <summary>RSS and open descriptors of one process life at one sample point.</summary>
internal sealed record ResourceSample(string Point, ProcessLife Life, long RssKb, int Fds);

/// <summary>
/// The chaos and soak run: Redis, the emulator and two gateway instances under mixed load, through steady phases and
/// three faults (Redis restarted, Redis paused past its budget, one instance SIGKILLed mid-try-on); then every
/// ownership record is checked, and a Markdown report is printed and written. Exit code 0 unless the harness failed.
/// </summary>
internal static class ChaosRunner
{
    public const string ApiKey = "gk_chaos";
    private const string InstanceA = "gateway A";
    private const string InstanceB = "gateway B";

    /// <summary>Per-user limits small enough for the hammer users to reach, large enough for ordinary users not to.</summary>
    public static readonly IReadOnlyDictionary<string, (int Limit, TimeSpan Window)> Limits = new Dictionary<string, (int, TimeSpan)>
    {
        ["reads"] = (40, TimeSpan.FromSeconds(10)),
        ["tryon"] = (8, TimeSpan.FromSeconds(10)),
        ["uploads"] = (8, TimeSpan.FromSeconds(10)),
        ["account"] = (5000, TimeSpan.FromSeconds(10)),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var options = ChaosOptions.Parse(args);
        Directory.CreateDirectory(options.WorkDir);
        using var abort = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var processes = new ChaosProcesses(options.WorkDir);
        try
        {
            var report = await RunAsync(options, processes, abort.Token);
            Console.WriteLine(report);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.ReportPath))!);
            await File.WriteAllTextAsync(options.ReportPath, report, CancellationToken.None);
            Console.WriteLine($"report: {options.ReportPath}");
            return 0;
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            Console.Error.WriteLine("chaos: interrupted; stopping every process started");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"chaos: the harness failed: {e}");
            return 1;
        }

        void OnSignal(PosixSignalContext context)
        {
            // Unwind through the finally blocks, which stop every child process.
            context.Cancel = true;
            abort.Cancel();
        }
    }

    private static async Task<string> RunAsync(ChaosOptions options, ChaosProcesses processes, CancellationToken ct)
    {
        var lives = new List<ProcessLife>();
        var samples = new List<ResourceSample>();
        void Sample(string point)
        {
            foreach (var life in lives.Where(l => !l.Process.HasExited))
            {
                if (ChaosProcesses.Sample(life.Pid) is { } s)
                {
                    samples.Add(new ResourceSample(point, life, s.RssKb, s.Fds));
                }
            }
        }

        Log($"work directory {options.WorkDir}");
        await using var emulator = await GenlookEmulatorHost.StartAsync(new EmulatorOptions
        {
            ApiKeys = [ApiKey],
            PendingFor = TimeSpan.FromMilliseconds(500),
            ProcessingFor = TimeSpan.FromMilliseconds(1500),
        }, ct: ct);
        await SeedProductAsync(emulator.BaseAddress, ct);

        var redis = new RedisNode(processes, ChaosProcesses.FreePort(), lives);
        await redis.StartAsync(ct);
        Log($"redis :{redis.Port}, emulator {emulator.BaseAddress}");

        var environment = GatewayEnvironment(redis.Port, emulator.BaseAddress, Limits.ToDictionary(l => l.Key, l => l.Value.Limit));
        foreach (var (name, value) in options.GatewayEnvironment)
        {
            environment[name] = value;
        }

        var a = new GatewayNode(processes, InstanceA, options.GatewayDll, ChaosProcesses.FreePort(), environment, lives);
        var b = new GatewayNode(processes, InstanceB, options.GatewayDll, ChaosProcesses.FreePort(), environment, lives);
        await Task.WhenAll(a.StartAsync(ct), b.StartAsync(ct));
        Log($"{InstanceA} {a.BaseAddress}, {InstanceB} {b.BaseAddress}: ready; warming up");
        await WarmUpAsync([a.BaseAddress, b.BaseAddress], ct);
        Sample("start");

        var users = Enumerable.Range(0, options.Users + options.Hammers)
            .Select(i => new ChaosUser(i, LoadTokens.For($"chaos-user-{i}", TimeSpan.FromHours(4) + TimeSpan.FromMinutes(options.Minutes)), hammer: i >= options.Users))
            .ToArray();
        using var load = new ChaosLoad([a.BaseAddress, b.BaseAddress], users, options.MaxRequests);
        var phases = new List<Phase>();
        var total = TimeSpan.FromMinutes(options.Minutes);
        var faultLength = TimeSpan.FromSeconds(Math.Max(20, total.TotalSeconds * 0.1));
        var steadyLength = TimeSpan.FromSeconds(Math.Max(10, (total - (3 * faultLength)).TotalSeconds / 4));

        double? killedAt = null, killedBack = null;
        var loadTask = load.RunAsync();
        try
        {
            await SteadyAsync("steady 1", steadyLength);
            await FaultAsync("Redis restart", faultLength, async () =>
            {
                await redis.StopAsync();
                await redis.StartAsync(ct);
                return "SIGTERM (AOF flushed), started again on the same port";
            });
            await SteadyAsync("steady 2", steadyLength);
            await FaultAsync("Redis paused", faultLength, async () =>
            {
                ChaosProcesses.Signal(redis.Current, "STOP");
                await Task.Delay(options.Pause, ct);
                ChaosProcesses.Signal(redis.Current, "CONT");
                return $"SIGSTOP for {options.Pause.TotalSeconds:0.#} s, then SIGCONT";
            });
            await SteadyAsync("steady 3", steadyLength);
            await FaultAsync($"{InstanceB} killed", faultLength, async () =>
            {
                // Wait (bounded) for a try-on to be in flight on B, then kill it as a crash would.
                var waited = Stopwatch.StartNew();
                while (load.TryOnsInFlight(1) == 0 && waited.Elapsed < TimeSpan.FromSeconds(10))
                {
                    await Task.Delay(1, ct);
                }

                var inFlight = load.TryOnsInFlight(1);
                load.SetInRotation(1, false);
                killedAt = load.NowMs;
                b.Current.Kill();
                await ChaosProcesses.StopAsync(b.Current, TimeSpan.FromSeconds(10));
                await b.StartAsync(ct);
                var restart = (load.NowMs - killedAt.Value) / 1000;
                load.SetInRotation(1, true);
                killedBack = load.NowMs;
                return $"SIGKILL with {inFlight} try-on(s) in flight on it; out of rotation until ready again {restart:0.0} s later";
            });
            await SteadyAsync("steady 4", steadyLength);
        }
        finally
        {
            load.Stop();
            await loadTask.WaitAsync(ChaosLoad.RequestTimeout + TimeSpan.FromSeconds(20), CancellationToken.None);
        }

        var loadEndedMs = load.NowMs;
        Sample("end");
        var records = load.Records();
        if (options.RecordsPath is { } recordsPath)
        {
            // The raw data behind the report, one request a line, for a second look.
            await File.WriteAllLinesAsync(recordsPath, records.Select(r => string.Join('\t', r.Operation, r.User, r.Instance, r.StartMs.ToString("0.0", CultureInfo.InvariantCulture),
                r.EndMs.ToString("0.0", CultureInfo.InvariantCulture), r.Status, r.Code ?? "-", r.Failure)).Prepend("operation\tuser\tinstance\tstart_ms\tend_ms\tstatus\tcode\tfailure"), CancellationToken.None);
        }

        Log($"load done: {records.Count} requests; checking every ownership record through a fresh instance");

        var verifierEnvironment = GatewayEnvironment(redis.Port, emulator.BaseAddress, Limits.ToDictionary(l => l.Key, _ => 100_000_000));
        var verifier = new GatewayNode(processes, "verifier", options.GatewayDll, ChaosProcesses.FreePort(), verifierEnvironment, lives: null);
        await verifier.StartAsync(ct);
        var ownership = await OwnershipCheck.RunAsync(verifier.BaseAddress, users, TimeSpan.FromMinutes(Math.Max(3, options.Minutes)), ct);

        var logs = Directory.EnumerateFiles(options.WorkDir, "*.log").Order().Select(path => LogSummary.Read(path, load.StartedUtc)).ToList();
        return ChaosReport.Build(new ChaosResult(options, phases, records, users, samples, ownership, logs, load.CountReached, loadEndedMs, killedAt, killedBack));

        async Task SteadyAsync(string name, TimeSpan length)
        {
            var start = load.NowMs;
            Log($"phase {name} ({length.TotalSeconds:0} s)");
            await Task.Delay(length, ct);
            phases.Add(new Phase(name, start, load.NowMs, null, null, "mixed load"));
            Sample($"after {name}");
        }

        async Task FaultAsync(string name, TimeSpan length, Func<Task<string>> fault)
        {
            var start = load.NowMs;
            Log($"phase {name}");
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var faultStart = load.NowMs;
            var note = await fault();
            var recovered = load.NowMs;

            // At least one window of every policy after the recovery stays in this phase.
            var rest = TimeSpan.FromMilliseconds(Math.Max(start + length.TotalMilliseconds - recovered, 10_000));
            await Task.Delay(rest, ct);
            phases.Add(new Phase(name, start, load.NowMs, faultStart, recovered, note));
            Sample($"after {name}");
        }
    }

    /// <summary>
    /// A user of its own sends each kind of request to each instance, sequentially, then the run waits out the rate
    /// limiter's circuit: a cold instance's first Redis calls are slow enough to open it, which is start-up, not load.
    /// </summary>
    private static async Task WarmUpAsync(Uri[] instances, CancellationToken ct)
    {
        var user = new ChaosUser(-1, LoadTokens.For("chaos-warm-up", TimeSpan.FromHours(1)), hammer: false);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var instance in instances)
        {
            for (var i = 0; i < 20; i++)
            {
                using var read = new HttpRequestMessage(HttpMethod.Get, new Uri(instance, "/tryon/v1/products/" + ChaosLoad.Product));
                using var tryOn = new HttpRequestMessage(HttpMethod.Post, new Uri(instance, "/tryon/v1/try-on")) { Content = ChaosLoad.TryOnBody(null) };
                foreach (var request in new[] { read, tryOn })
                {
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);
                    using var response = await client.SendAsync(request, ct);
                }
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(6), ct);
    }

    /// <summary>An operator's configuration of an instance: environment variables only (CONTRACT §9).</summary>
    private static Dictionary<string, string> GatewayEnvironment(int redisPort, Uri emulator, IReadOnlyDictionary<string, int> limits)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{redisPort}",
            ["Genlook__Accounts__default__BaseUrl"] = emulator.ToString().TrimEnd('/'),
            ["Genlook__Accounts__default__ApiKey"] = ApiKey,
            ["Attribution__Key"] = "chaos-harness-attribution-key-0123456789",
            ["Authentication__Schemes__Bearer__ValidIssuer"] = LoadTokens.Issuer,
            ["Authentication__Schemes__Bearer__ValidAudiences__0"] = LoadTokens.Audience,
            ["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = LoadTokens.Issuer,
            ["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = Convert.ToBase64String(LoadTokens.Key),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__Console__TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fff ",
            ["Logging__Console__UseUtcTimestamp"] = "true",
        };
        foreach (var (policy, limit) in limits)
        {
            environment[$"RateLimiting__Policies__{policy}__PermitLimit"] = limit.ToString(CultureInfo.InvariantCulture);
            environment[$"RateLimiting__Policies__{policy}__Window"] = Limits[policy].Window.ToString("c", CultureInfo.InvariantCulture);
        }

        return environment;
    }

    /// <summary>The catalogue product every try-on and read names, created in the emulator directly (setup, not load).</summary>
    private static async Task SeedProductAsync(Uri emulator, CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = emulator, Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/products")
        {
            Content = new StringContent($$$"""{"externalId":"{{{ChaosLoad.Product}}}","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/shirt.jpg"}}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", ApiKey);
        using var response = await client.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");
}

/// <summary>One warning or error line of a gateway log: when (ms since the load started), level, and <c>Category[EventId]</c>.</summary>
internal sealed record LogEntry(double AtMs, string Level, string Source);

/// <summary>Line counts of one process's log, by level (the console formatter's <c>warn:</c>, <c>fail:</c>, <c>crit:</c>), and each such line.</summary>
internal sealed partial record LogSummary(string File, int Lines, int Warnings, int Errors, int Critical, IReadOnlyList<LogEntry> Entries)
{
    public static LogSummary Read(string path, DateTime loadStartedUtc)
    {
        int lines = 0, warn = 0, fail = 0, crit = 0;
        var entries = new List<LogEntry>();
        foreach (var line in System.IO.File.ReadLines(path))
        {
            lines++;
            if (Entry().Match(line) is not { Success: true } match)
            {
                continue;
            }

            var level = match.Groups[2].Value;
            warn += level == "warn" ? 1 : 0;
            fail += level == "fail" ? 1 : 0;
            crit += level == "crit" ? 1 : 0;
            var at = DateTime.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            entries.Add(new LogEntry((at - loadStartedUtc).TotalMilliseconds, level, match.Groups[3].Value));
        }

        return new LogSummary(Path.GetFileName(path), lines, warn, fail, crit, entries);
    }

    // The gateways log with Logging:Console:TimestampFormat set (see GatewayEnvironment); other logs have no such lines.
    [System.Text.RegularExpressions.GeneratedRegex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) (warn|fail|crit): (\S+)")]
    private static partial System.Text.RegularExpressions.Regex Entry();
}
