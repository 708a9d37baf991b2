using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Hosting;

public static partial class HostingExtensions
{
    /// <summary>Health checks, CORS for SPAs, the embedded emulator and the start-up banner.</summary>
    public static WebApplicationBuilder AddGatewayHosting(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHostedService<EmulatorHostedService>();
        services.AddHostedService<StartupBanner>();

        services.AddOptions<GatewayCorsOptions>().BindConfiguration(GatewayCorsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayCorsOptions>, GatewayCorsOptionsValidator>();
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<GatewayCorsOptions>>((cors, gateway) => cors.AddDefaultPolicy(policy =>
        {
            if (gateway.Value.AllowedOrigins is { Length: > 0 } origins)
            {
                policy.WithOrigins(origins)
                    .WithMethods("GET", "POST", "PATCH", "DELETE")
                    .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "If-None-Match", "Prefer")
                    .WithExposedHeaders("Location", "Retry-After", "RateLimit", "RateLimit-Policy", "Deprecation", "Link", "Cache-Status", "Idempotent-Replayed", "ETag", "Preference-Applied")
                    .SetPreflightMaxAge(TimeSpan.FromHours(1));
            }
        }));
        return builder;
    }

    /// <summary>
    /// CORS for requests that carry an <c>Origin</c> (browsers). Native apps send none, and for them the CORS middleware
    /// would only mark the request (an items dictionary per request) before passing it on. It runs ahead of the
    /// request guard, so that the guard's own answers (an announced body over the limit, headers too large) are
    /// readable by a browser app too; the middleware adds its headers when the response starts, so they also survive
    /// the exception handler and the error responses that clear Genlook's headers.
    /// </summary>
    public static WebApplication UseGatewayCors(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Headers.Origin.Count > 0, browser => browser.UseCors());
        return app;
    }

    /// <summary><c>/healthz</c> (the process serves) and <c>/readyz</c> (the store answers).</summary>
    public static WebApplication MapGatewayHealth(this WebApplication app)
    {
        // GET and HEAD only (probes use GET): any other method, in any spelling, is the fallback's 404.
        var probeMethods = new HttpMethodMetadata(["GET", "HEAD"]);
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().WithMetadata(probeMethods);
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous().WithMetadata(probeMethods);
        return app;
    }

    private sealed partial class StartupBanner(IHostApplicationLifetime lifetime, IHostEnvironment environment, Microsoft.AspNetCore.Hosting.Server.IServer server, ILogger<StartupBanner> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                var addresses = server.Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
                var first = addresses.FirstOrDefault() ?? "http://127.0.0.1:5080";
                LogListening(logger, string.Join(", ", addresses));
                if (environment.IsDevelopment())
                {
                    LogDevToken(logger, first);
                    if (Directory.Exists(Path.Combine(AppContext.BaseDirectory, DemoAppExtensions.FolderName)))
                    {
                        LogDemoApp(logger, first);
                    }
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(3002, LogLevel.Information, "Genlook Gateway listening on {Addresses}")]
        private static partial void LogListening(ILogger logger, string addresses);

        [LoggerMessage(3003, LogLevel.Information, "Development: get a token with  curl -s -X POST '{Address}/dev/token?sub=alice'  and send it as 'Authorization: Bearer <access_token>'")]
        private static partial void LogDevToken(ILogger logger, string address);

        [LoggerMessage(3004, LogLevel.Information, "Development: the demo web app (samples/web) is at {Address}/")]
        private static partial void LogDemoApp(ILogger logger, string address);
    }
}
