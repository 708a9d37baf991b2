using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Genlook.Gateway.Observability;

public static class ObservabilityExtensions
{
    /// <summary>
    /// OpenTelemetry traces (ASP.NET Core, HttpClient, YARP, the gateway), metrics (ASP.NET Core, Kestrel, runtime,
    /// the gateway) and logs. Exported by OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the other
    /// standard <c>OTEL_*</c> variables (protocol, headers, service name) apply as usual.
    /// </summary>
    public static WebApplicationBuilder AddGatewayObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayTelemetry>();
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = false;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: "genlook-gateway", serviceVersion: typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .AddSource(GatewayTelemetry.Name)
                .AddSource("Yarp.ReverseProxy")
                .AddAspNetCoreInstrumentation(options =>
                {
                    // Probes are noise in traces.
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/healthz") && !context.Request.Path.StartsWithSegments("/readyz");
                })
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        return builder;
    }
}
