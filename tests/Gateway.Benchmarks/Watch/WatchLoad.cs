using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Genlook.Gateway.Benchmarks.LoadSupport;

namespace Genlook.Gateway.Benchmarks.Watch;

/// <summary>
/// The <c>watch</c> load scenario (issue #23): N apps watch G generations over Server-Sent Events on K gateway
/// instances sharing one Redis. Runs its own upstream (generations that go PENDING, PROCESSING, COMPLETED over
/// <c>--generation-seconds</c>, counting every status GET) and starts the gateway instances itself.
/// Reports upstream GETs per generation per PollInterval, the instances' RSS with every watch open, and gateway CPU
/// per watch-second. Loopback only; every process it starts is killed by its own handle on exit; every wait is bounded.
/// <code>
/// dotnet Gateway.Benchmarks.dll watch --gateway-dll DLL [--redis HOST:PORT] [--instances 2] [--watchers 1000]
///   [--generations 100] [--generation-seconds 12] [--poll-interval 1]
/// </code>
/// </summary>
public static class WatchLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var gatewayDll = LoadTokens.Argument(args, "--gateway-dll") ?? throw new ArgumentException("--gateway-dll is required");
        var redis = LoadTokens.Argument(args, "--redis");
        var instances = Int(args, "--instances", 2);
        var watchers = Int(args, "--watchers", 1000);
        var generations = Int(args, "--generations", 100);
        var lifetime = TimeSpan.FromSeconds(Int(args, "--generation-seconds", 12));
        var interval = TimeSpan.FromSeconds(double.Parse(LoadTokens.Argument(args, "--poll-interval") ?? "1", CultureInfo.InvariantCulture));

        await using var upstream = await ProgressingUpstream.StartAsync(lifetime);
        var gateways = new List<(Process Process, Uri Url)>();
        try
        {
            for (var i = 0; i < instances; i++)
            {
                gateways.Add(StartGateway(gatewayDll, upstream.Url, redis, interval, maxWatchesPerUser: (watchers / generations) + 1));
            }

            using var http = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = int.MaxValue,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(30),
            }) { Timeout = Timeout.InfiniteTimeSpan };
            foreach (var (_, url) in gateways)
            {
                await WaitReadyAsync(http, url);
            }

            // One user per generation, as apps watch their own try-ons; the try-on goes through the gateway (ownership).
            var tokens = Enumerable.Range(0, generations).Select(i => LoadTokens.For($"watch-user-{i}", TimeSpan.FromHours(1))).ToArray();
            var ids = new string[generations];
            for (var g = 0; g < generations; g++)
            {
                ids[g] = await TryOnAsync(http, gateways[g % gateways.Count].Url, tokens[g]);
            }

            var cpuBefore = gateways.Select(g => CpuMicroseconds(g.Process)).Sum();
            var started = Stopwatch.StartNew();
            var opened = 0;
            var settled = 0; // watches with their first event, or refused for good
            var retries = 0;
            var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long watchMicroseconds = 0;
            var failures = new ConcurrentBag<string>();
            using var opening = new SemaphoreSlim(256); // connection set-up in waves, not 10 000 SYNs at once
            var tasks = Enumerable.Range(0, watchers).Select(w => Task.Run(async () =>
            {
                var g = w % generations;
                var gateway = gateways[w % gateways.Count].Url;
                var watchStart = Stopwatch.GetTimestamp();
                HttpResponseMessage response;
                for (var attempt = 1; ; attempt++)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "/tryon/v1/generations/" + ids[g]));
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[g]);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                    await opening.WaitAsync();
                    try
                    {
                        response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    }
                    finally
                    {
                        opening.Release();
                    }

                    // As an app would: a 503 (the store timed out under the opening burst) or 429 is retried after a second, a few times.
                    if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests) || attempt == 5)
                    {
                        break;
                    }

                    Interlocked.Increment(ref retries);
                    response.Dispose();
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }

                using (response)
                {
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        if (Interlocked.Increment(ref settled) == watchers)
                        {
                            allOpen.TrySetResult();
                        }

                        return;
                    }

                    Interlocked.Increment(ref opened);
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var first = true;
                    string? last = null;
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        if (line.StartsWith("data:", StringComparison.Ordinal))
                        {
                            last = line;
                            if (first && Interlocked.Increment(ref settled) == watchers)
                            {
                                allOpen.TrySetResult();
                            }

                            first = false;
                        }
                    }

                    if (last?.Contains("\"COMPLETED\"", StringComparison.Ordinal) != true)
                    {
                        failures.Add("stream ended without COMPLETED");
                    }
                }

                Interlocked.Add(ref watchMicroseconds, (long)Stopwatch.GetElapsedTime(watchStart).TotalMicroseconds);
            })).ToList();

            // RSS with every watch open (each has its first event), then the peak while they run to completion.
            var rssAllOpen = new long[gateways.Count];
            var rssLater = new long[gateways.Count];
            var peak = new long[gateways.Count];
            var everything = Task.WhenAll(tasks);
            var sampled = allOpen.Task;
            long? openedAt = null;
            while (!everything.IsCompleted)
            {
                for (var i = 0; i < gateways.Count; i++)
                {
                    peak[i] = Math.Max(peak[i], RssMegabytes(gateways[i].Process));
                }

                // Two seconds after the last watch opened: the opening burst's garbage had a chance to go.
                if (sampled.IsCompleted && rssAllOpen[0] == 0 && (openedAt ??= Stopwatch.GetTimestamp()) is { } at && Stopwatch.GetElapsedTime(at) > TimeSpan.FromSeconds(2))
                {
                    for (var i = 0; i < gateways.Count; i++)
                    {
                        rssAllOpen[i] = RssMegabytes(gateways[i].Process);
                    }
                }

                // And 15 s later, still all open: what stays once the pools and the GC have given back the burst's memory.
                if (rssAllOpen[0] != 0 && rssLater[0] == 0 && Stopwatch.GetElapsedTime(openedAt!.Value) > TimeSpan.FromSeconds(17))
                {
                    for (var i = 0; i < gateways.Count; i++)
                    {
                        rssLater[i] = RssMegabytes(gateways[i].Process);
                    }
                }

                if (started.Elapsed > lifetime + TimeSpan.FromMinutes(3))
                {
                    Console.Error.WriteLine("error: the watches did not finish within the generation lifetime + 3 minutes");
                    return 1;
                }

                await Task.WhenAny(everything, Task.Delay(200));
            }

            await everything;
            var cpu = gateways.Select(g => CpuMicroseconds(g.Process)).Sum() - cpuBefore;
            var perInterval = ids.Select(id => upstream.GetsPerInterval(id, interval)).Order().ToArray();
            var report = string.Create(CultureInfo.InvariantCulture,
                $"WATCH watchers={watchers} opened={opened} failed={failures.Count} retried={retries} instances={instances} generations={generations} " +
                $"gets_per_generation_per_interval_median={perInterval[perInterval.Length / 2]:0.00} max={perInterval[^1]:0.00} " +
                $"rss_all_open_mb={string.Join('/', rssAllOpen)} rss_open_15s_later_mb={string.Join('/', rssLater)} rss_peak_mb={string.Join('/', peak)} " +
                $"cpu_us_per_watch_second={cpu / Math.Max(1, watchMicroseconds / 1e6):0.0} wall_s={started.Elapsed.TotalSeconds:0.0}");
            Console.WriteLine(report);
            foreach (var failure in failures.Distinct().Take(5))
            {
                Console.Error.WriteLine("failure: " + failure);
            }

            return failures.IsEmpty ? 0 : 1;
        }
        finally
        {
            foreach (var (process, _) in gateways)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
                process.Dispose();
            }
        }
    }

    private static int Int(string[] args, string name, int fallback) =>
        LoadTokens.Argument(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static (Process, Uri) StartGateway(string dll, Uri upstream, string? redis, TimeSpan interval, int maxWatchesPerUser)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url.ToString());
        var env = start.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["ConnectionStrings__Redis"] = redis ?? string.Empty;
        env["Genlook__Accounts__default__BaseUrl"] = upstream.GetLeftPart(UriPartial.Authority);
        env["Genlook__Accounts__default__ApiKey"] = "gk_bench";
        env["Attribution__Key"] = "load-harness-attribution-key-0123456789";
        env["Authentication__Schemes__Bearer__ValidIssuer"] = LoadTokens.Issuer;
        env["Authentication__Schemes__Bearer__ValidAudiences__0"] = LoadTokens.Audience;
        env["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = LoadTokens.Issuer;
        env["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = Convert.ToBase64String(LoadTokens.Key);
        foreach (var policy in new[] { "reads", "tryon", "uploads", "account" })
        {
            env[$"RateLimiting__Policies__{policy}__PermitLimit"] = "100000000";
            env[$"RateLimiting__Policies__{policy}__Window"] = "00:00:01";
        }

        env["Caching__PollInterval"] = interval.ToString("c", CultureInfo.InvariantCulture);
        env["Caching__PendingTtl"] = interval.ToString("c", CultureInfo.InvariantCulture);
        env["Caching__MaxWatchesPerUser"] = maxWatchesPerUser.ToString(CultureInfo.InvariantCulture);
        env["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("gateway: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, url);
    }

    private static async Task WaitReadyAsync(HttpClient http, Uri gateway)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                if ((await http.GetAsync(new Uri(gateway, "/readyz"), cts.Token)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{gateway} was not ready within 60 s");
    }

    private static async Task<string> TryOnAsync(HttpClient http, Uri gateway, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/tryon/v1/try-on"))
        {
            Content = new StringContent("""{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"try-on through the gateway failed: {(int)response.StatusCode} {body}");
        }

        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("generationId").GetString()!;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static long RssMegabytes(Process process)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return 0;
    }

    private static double CpuMicroseconds(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime.TotalMicroseconds;
    }
}
