using System.Diagnostics;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Hosting;

/// <summary>
/// Outside Development, a configuration that would run insecurely or not at all stops start-up, naming the key.
/// Each case starts the real gateway binary as an operator would (environment variables, Production) and reads what
/// it prints and how it exits: the operator's view, and no test host in between.
/// </summary>
public sealed class ConfigurationValidationTests
{
    private static readonly TimeSpan StartupBound = TimeSpan.FromSeconds(30);

    private static Dictionary<string, string> ValidConfiguration() => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["Genlook__Accounts__default__BaseUrl"] = "http://127.0.0.1:9",
        ["Genlook__Accounts__default__ApiKey"] = GatewayApp.ApiKey,
        ["Attribution__Key"] = GatewayApp.AttributionKey,
        ["Authentication__Schemes__Bearer__ValidIssuer"] = TestTokens.Issuer,
        ["Authentication__Schemes__Bearer__ValidAudiences__0"] = TestTokens.Audience,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = TestTokens.Issuer,
        ["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = TestTokens.SigningKeyBase64,
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [Theory]
    [InlineData("Genlook:Accounts:default:ApiKey", "", "Genlook:Accounts:default:ApiKey")]
    [InlineData("Attribution:Key", "", "Attribution:Key")]
    [InlineData("Attribution:Key", "too-short", "Attribution:Key")]
    [InlineData("Genlook:Accounts:default:BaseUrl", "https://api.genlook.app/tryon/v1", "Genlook:Accounts:default:BaseUrl")]
    [InlineData("Genlook:Timeout", "-00:00:01", "Genlook:Timeout")]
    [InlineData("Genlook:DefaultAccount", "nope", "Genlook:DefaultAccount")]
    [InlineData("Caching:PendingTtl", "00:05:00", "Caching:PendingTtl")]
    [InlineData("Gdpr:MaxAttempts", "0", "Gdpr:MaxAttempts")]
    [InlineData("Gateway:Limits:MaxRequestBodyBytes", "-1", "Gateway:Limits:MaxRequestBodyBytes")]
    [InlineData("Compat:MigrationGuideUrl", "changelog", "Compat:MigrationGuideUrl")]
    [InlineData("RateLimiting:BreakDuration", "-00:00:05", "RateLimiting:BreakDuration")]
    // Polly's circuit breaker takes no break under half a second: say so at start-up, not with its own exception.
    [InlineData("RateLimiting:BreakDuration", "00:00:00.100", "RateLimiting:BreakDuration")]
    [InlineData("RateLimiting:InstanceHeartbeat", "00:00:00", "RateLimiting:InstanceHeartbeat")]
    // Enum binding takes any number: 2 is neither open nor closed.
    [InlineData("RateLimiting:FailureMode", "2", "RateLimiting:FailureMode")]
    [InlineData("RateLimiting:Policies:reads:Mode", "fast", "RateLimiting:Policies:reads:Mode")]
    [InlineData("RateLimiting:Policies:reads:Mode", "7", "RateLimiting:Policies:reads:Mode")]
    [InlineData("RateLimiting:Policies:tryon:Mode", "local", "RateLimiting:Policies:tryon:Mode")]
    [InlineData("RateLimiting:SyncInterval", "00:00:00", "RateLimiting:SyncInterval")]
    // A browser's Origin is scheme://host[:port]: anything else never matches, and the SPA is refused without a word.
    [InlineData("Cors:AllowedOrigins:0", "https://shop.example/", "Cors:AllowedOrigins:0")]
    [InlineData("Cors:AllowedOrigins:0", "shop.example", "Cors:AllowedOrigins:0")]
    // One string instead of a list (Cors__AllowedOrigins=...) binds to no origin at all.
    [InlineData("Cors:AllowedOrigins", "https://shop.example", "Cors:AllowedOrigins:0")]
    // Keys whose issuer is not the valid issuer are not loaded: no signing key at all.
    [InlineData("Authentication:Schemes:Bearer:SigningKeys:0:Issuer", "https://unrelated.test", "Authentication:Schemes:Bearer")]
    public async Task Startup_WithoutRequiredKey_FailsNamingIt(string key, string value, string named)
    {
        var configuration = ValidConfiguration();
        configuration[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var (exitCode, output) = await RunGatewayAsync(configuration);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_WithSeveralAccountsAndNoDefault_FailsNamingDefaultAccount()
    {
        // "The first account" cannot be told from configuration (keys are sorted): the operator names it.
        var configuration = ValidConfiguration();
        configuration["Genlook__Accounts__backup__BaseUrl"] = "http://127.0.0.1:9";
        configuration["Genlook__Accounts__backup__ApiKey"] = GatewayApp.SecondApiKey;

        var (exitCode, output) = await RunGatewayAsync(configuration);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Genlook:DefaultAccount is required", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_WithValidConfiguration_Serves()
    {
        var configuration = ValidConfiguration();
        configuration["Cors__AllowedOrigins__0"] = "https://shop.example";
        configuration["Cors__AllowedOrigins__1"] = "http://localhost:3000";

        var (exitCode, output) = await RunGatewayAsync(configuration, expectToServe: true);

        Assert.True(exitCode == 0, output);
    }

    /// <summary>Runs the gateway binary; bounded. With <paramref name="expectToServe"/>, waits for it to answer /healthz, then stops it.</summary>
    private static async Task<(int ExitCode, string Output)> RunGatewayAsync(Dictionary<string, string> environment, bool expectToServe = false)
    {
        var port = Ports.Free();
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Genlook.Gateway.dll"), "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartupBound);
        if (expectToServe)
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
            var serving = await Poll.UntilAsync(async () =>
            {
                try
                {
                    return (await client.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return process.HasExited; // not listening yet, or slow under load: ask again
                }
            }, StartupBound);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(timeout.Token);
                return (serving ? 0 : -1, await stdout + await stderr);
            }
        }

        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (0, "the gateway kept running with an invalid configuration: " + await stdout);
        }

        return (process.ExitCode, await stdout + await stderr);
    }

}
