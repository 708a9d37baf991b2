using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Genlook.Gateway.Observability;

public static class ObservabilityExtensions
{
    /// <summary>
    /// OpenTelemetry traces (ASP.NET Core, HttpClient, YARP, the gateway), metrics (ASP.NET Core, Kestrel, runtime,
    /// the gateway's meter, whose instruments each feature's metrics class creates) and logs. Exported by OTLP only
    /// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the other standard <c>OTEL_*</c> variables (protocol, headers,
    /// service name) apply as usual.
    /// <c>OpenTelemetry:Enabled</c> (default <c>false</c>) runs the pipelines without OTLP, for other exporters.
    /// <c>OpenTelemetry:Prometheus:Port</c> (default none) also serves the metrics to Prometheus, on that port only.
    /// </summary>
    public static WebApplicationBuilder AddGatewayObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<PrometheusEndpointOptions>().BindConfiguration(PrometheusEndpointOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var export = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var prometheus = builder.Configuration.GetSection(PrometheusEndpointOptions.SectionName)["Port"] is { Length: > 0 };

        // Collecting spans and metric streams nobody exports costs CPU on every request: the pipelines run when
        // something exports (OTLP), or when OpenTelemetry:Enabled asks for them (an in-process exporter, tests).
        // The gateway's Meter works regardless, for dotnet-counters and any MeterListener.
        if (!export && !prometheus && !builder.Configuration.GetValue<bool>("OpenTelemetry:Enabled"))
        {
            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = false;
        });

        // These categories write request URLs at Information (a GDPR subject, a pseudonym in /customers/{id}):
        // never exported, whatever the console's log levels say.
        foreach (var category in UrlLoggingCategories)
        {
            builder.Logging.AddFilter<OpenTelemetry.Logs.OpenTelemetryLoggerProvider>(category, LogLevel.Warning);
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: "genlook-gateway", serviceVersion: typeof(GatewayTelemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .AddSource(GatewayTelemetry.Name)
                .AddSource("Yarp.ReverseProxy")
                .AddAspNetCoreInstrumentation(options =>
                {
                    // Probes are noise in traces.
                    options.Filter = context => !context.Request.Path.StartsWithSegments("/healthz") && !context.Request.Path.StartsWithSegments("/readyz");
                    options.EnrichWithHttpRequest = (activity, request) => RedactPath(activity, "url.path", request.Path.Value);
                })
                .AddHttpClientInstrumentation(options =>
                {
                    options.EnrichWithHttpRequestMessage = (activity, request) => RedactPath(activity, "url.full", request.RequestUri?.ToString());
                }))
            .WithMetrics(metrics => metrics
                .AddMeter(GatewayTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());

        if (export)
        {
            otel.UseOtlpExporter();
        }

        if (prometheus)
        {
            otel.WithMetrics(metrics => metrics.AddPrometheusExporter());
            builder.Services.AddHostedService<PrometheusScrapeServer>();
        }

        return builder;
    }

    private static readonly string[] UrlLoggingCategories =
        ["Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.Routing", "Yarp", "System.Net.Http.HttpClient"];

    /// <summary>
    /// Two paths carry personal data: <c>/gdpr/users/{subject}</c> (the raw subject) and Genlook's
    /// <c>/customers/{id}</c> (a pseudonym). Their span attributes keep the template, never the value. Matched ignoring
    /// case: <c>/GDPR/Users/{subject}</c> is not a route (404), but its path carries the subject all the same.
    /// </summary>
    internal static void RedactPath(System.Diagnostics.Activity activity, string attribute, string? value)
    {
        if (value is null)
        {
            return;
        }

        var gdpr = value.IndexOf("/gdpr/users/", StringComparison.OrdinalIgnoreCase);
        if (gdpr >= 0)
        {
            activity.SetTag(attribute, value[..gdpr] + "/gdpr/users/{subject}");
            return;
        }

        var customers = value.IndexOf("/tryon/v1/customers/", StringComparison.OrdinalIgnoreCase);
        if (customers >= 0)
        {
            activity.SetTag(attribute, value[..customers] + "/tryon/v1/customers/{customerId}");
        }
    }
}
