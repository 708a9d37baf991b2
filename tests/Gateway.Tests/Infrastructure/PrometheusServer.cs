using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>
/// A real <c>prometheus</c> on a free loopback port with its own temporary storage, scraping and evaluating what the
/// test gives it. Fails (never skips) when it cannot start.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "gateway-tests-prometheus-" + Guid.NewGuid().ToString("N"));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private Process? _process;

    public int Port { get; } = Ports.Free();

    /// <summary>Starts Prometheus with this configuration (YAML) and these files beside it (name → content), and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string configuration, IReadOnlyDictionary<string, string> files)
    {
        var server = new PrometheusServer();
        try
        {
            await server.StartCoreAsync(configuration, files);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(string configuration, IReadOnlyDictionary<string, string> files)
    {
        Directory.CreateDirectory(Path.Combine(_directory, "data"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "prometheus.yml"), configuration);
        foreach (var (name, content) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(_directory, name), content);
        }

        _process = ServerProcess.Start("prometheus", [
            "--config.file=" + Path.Combine(_directory, "prometheus.yml"),
            "--storage.tsdb.path=" + Path.Combine(_directory, "data"),
            $"--web.listen-address=127.0.0.1:{Port}",
            "--log.level=warn"], "run ./test.sh, which installs it (Debian package 'prometheus').");

        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with code {_process.ExitCode} (configuration or rule file rejected?).");
            }

            try
            {
                if ((await _http.GetAsync($"http://127.0.0.1:{Port}/-/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"prometheus was not ready on port {Port} within {StartTimeout.TotalSeconds} s.");
    }

    /// <summary>An instant query (<c>/api/v1/query</c>): the result vector, or the error Prometheus gave.</summary>
    public async Task<JsonElement> QueryAsync(string expression)
    {
        var response = await _http.GetAsync($"http://127.0.0.1:{Port}/api/v1/query?query={Uri.EscapeDataString(expression)}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus rejected '{expression}': {body}");
        }

        return body.GetProperty("data").GetProperty("result");
    }

    /// <summary>The alerts Prometheus holds (<c>/api/v1/alerts</c>): pending and firing ones, as name and state.</summary>
    public async Task<IReadOnlyList<(string Name, string State)>> AlertsAsync()
    {
        var body = await _http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{Port}/api/v1/alerts");
        return body.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Select(a => (a.GetProperty("labels").GetProperty("alertname").GetString()!, a.GetProperty("state").GetString()!))
            .ToList();
    }

    /// <summary>The label names of every series named <paramref name="metric"/> (<c>/api/v1/series</c>).</summary>
    public async Task<IReadOnlyList<HashSet<string>>> SeriesLabelsAsync(string metric)
    {
        var body = await _http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{Port}/api/v1/series?match[]={Uri.EscapeDataString(metric)}");
        return body.GetProperty("data").EnumerateArray()
            .Select(series => series.EnumerateObject().Select(label => label.Name).ToHashSet())
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process?.Dispose();
        _http.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
