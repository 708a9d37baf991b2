using Genlook.Gateway.Errors;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace Genlook.Gateway.Proxy;

public static class ProxyExtensions
{
    /// <summary>YARP with the contract's allowlist, one cluster per Genlook account, and the header rules.</summary>
    public static WebApplicationBuilder AddGatewayProxy(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GenlookOptions>().BindConfiguration(GenlookOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GenlookOptions>, GenlookOptionsValidator>();
        services.AddOptions<GatewayLimitsOptions>().BindConfiguration(GatewayLimitsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton<IProxyConfigProvider, GenlookProxyConfigProvider>();
        services.AddSingleton<ProxyMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ExactRouteMatcherPolicy>());
        services.AddReverseProxy().AddTransforms<UpstreamHeadersTransformProvider>();
        services.AddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, UpstreamHttpClientFactory>();

        // A bare LF ends a line for Kestrel but not for every server in front (RFC 9112 §2.2 allows either): CRLF only, so a
        // field hidden behind a bare LF cannot frame the request differently here. Read when the server starts.
        AppContext.SetSwitch("Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators", true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Above the gateway's own limits (Gateway:Limits), so the gateway (not Kestrel) answers, in the contract shape.
            // What passes these is still bounded: 64 KB of headers and 64 KB of request line per request.
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = GatewayLimitsOptions.ServerMaxRequestHeaderCount;
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.AddServerHeader = false;
            kestrel.ConfigureEndpointDefaults(listen => listen.Use(ContentLengthSyntaxWatch.Use));
        });

        return builder;
    }

    /// <summary>The framing check, first: a request another server could frame differently is refused and its connection closed.</summary>
    public static WebApplication UseGatewayRequestFraming(this WebApplication app)
    {
        app.UseMiddleware<RequestFramingMiddleware>();
        return app;
    }

    /// <summary>The request guard: header, target and announced-body limits, answered before routing looks at the request.</summary>
    public static WebApplication UseGatewayRequestGuard(this WebApplication app)
    {
        app.UseMiddleware<RequestGuardMiddleware>();
        return app;
    }

    /// <summary><c>404 ROUTE_NOT_FOUND</c> for everything the routes above do not take.</summary>
    public static WebApplication MapGatewayRouteNotFound(this WebApplication app)
    {
        // Unknown paths, known paths with another method or another spelling (ExactRouteMatcherPolicy): never forwarded,
        // never 405 (which would reveal the allowlist).
        // Any path: the default pattern ({*path:nonfile}) leaves out a last segment with a dot, such as /products/sku.42.
        app.MapFallback("{**path}", context => GatewayErrorResponse.WriteAsync(context, GatewayErrors.RouteNotFound())).AllowAnonymous();
        return app;
    }
}
