using System.Net.Http.Headers;
using Genlook.Emulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway pipeline (<see cref="WebApplicationFactory{TEntryPoint}"/>) in front of a real, strict Genlook emulator
/// on a loopback port, configured exactly as an operator would (no Development defaults: environment "Testing").
/// </summary>
public sealed class GatewayApp : WebApplicationFactory<Program>
{
    public const string ApiKey = "gk_test_default";
    public const string SecondApiKey = "gk_test_second";
    public const string AttributionKey = "test-attribution-key-0123456789abcdef";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private readonly bool _ownsEmulator;

    private Uri? _kestrelAddress;

    private GatewayApp(GenlookEmulatorHost emulator, bool ownsEmulator, Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        Emulator = emulator;
        _ownsEmulator = ownsEmulator;
        _settings = settings;
        _services = services;
    }

    public GenlookEmulatorHost Emulator { get; }

    /// <summary>Starts a gateway; <paramref name="emulator"/> is shared when given (two instances, one upstream), else one is started.</summary>
    public static async Task<GatewayApp> StartAsync(
        string? redis = null,
        IDictionary<string, string?>? settings = null,
        GenlookEmulatorHost? emulator = null,
        Action<IServiceCollection>? services = null,
        Action<EmulatorOptions>? emulatorOptions = null,
        bool kestrel = false)
    {
        var ownsEmulator = emulator is null;
        if (emulator is null)
        {
            var options = new EmulatorOptions { ApiKeys = [ApiKey, SecondApiKey], Strict = true, PendingFor = TimeSpan.FromMilliseconds(200), ProcessingFor = TimeSpan.FromMilliseconds(300) };
            emulatorOptions?.Invoke(options);
            emulator = await GenlookEmulatorHost.StartAsync(options);
        }

        var all = new Dictionary<string, string?>
        {
            ["Genlook:Accounts:default:BaseUrl"] = emulator.BaseAddress.GetLeftPart(UriPartial.Authority),
            ["Genlook:Accounts:default:ApiKey"] = ApiKey,
            ["Genlook:Timeout"] = "00:00:05",
            ["Attribution:Key"] = AttributionKey,
            ["Authentication:Schemes:Bearer:ValidIssuer"] = TestTokens.Issuer,
            ["Authentication:Schemes:Bearer:ValidAudiences:0"] = TestTokens.Audience,
            ["Authentication:Schemes:Bearer:SigningKeys:0:Issuer"] = TestTokens.Issuer,
            ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = TestTokens.SigningKeyBase64,
            ["ConnectionStrings:Redis"] = redis ?? "",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        // A null value removes a default (such as the test signing key, for a gateway configured with an Authority).
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                all.Remove(key);
            }
            else
            {
                all[key] = value;
            }
        }

        var app = new GatewayApp(emulator, ownsEmulator, all, services);
        try
        {
            // Start now, so configuration errors surface here. Kestrel (a real loopback port) where the server's own
            // behaviour is under test, such as its request limits, which the in-memory test server does not have.
            if (kestrel)
            {
                app.UseKestrel(0);
                app.StartServer();
                var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
                    .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
                app._kestrelAddress = new Uri(addresses.First());
            }
            else
            {
                _ = app.Server;
            }
        }
        catch
        {
            if (ownsEmulator)
            {
                await emulator.DisposeAsync();
            }

            throw;
        }

        if (redis is not null)
        {
            // As an orchestrator would: no traffic before readiness (the Redis connection is up).
            var ready = await Poll.UntilAsync(async () => (await app.AnonymousClient().GetAsync("/readyz")).IsSuccessStatusCode, TimeSpan.FromSeconds(15));
            if (!ready)
            {
                await app.DisposeAsync();
                throw new InvalidOperationException("The gateway did not become ready (Redis) within 15 s.");
            }
        }

        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    /// <summary>A client acting as the user <paramref name="subject"/> (an app with that user's JWT).</summary>
    public HttpClient ClientFor(string subject, string? scope = null, string? account = null)
    {
        var client = AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(subject, scope, account));
        return client;
    }

    /// <summary>
    /// Whether the clients check every answer against the gateway's OpenAPI document (<see cref="OpenApiValidatingHandler"/>).
    /// Off only where a test makes the emulator answer what Genlook never would (a cut or malformed body), which the
    /// gateway passes through as it is.
    /// </summary>
    public bool ValidateResponses { get; set; } = true;

    /// <summary>No redirects followed, no cookies; every answer checked against the OpenAPI document.</summary>
    public HttpClient AnonymousClient() =>
        CreateDefaultClient(_kestrelAddress ?? new Uri("http://localhost"), new OpenApiValidatingHandler(OpenApiContract.Gateway, () => ValidateResponses));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsEmulator)
        {
            await Emulator.DisposeAsync();
        }
    }
}
