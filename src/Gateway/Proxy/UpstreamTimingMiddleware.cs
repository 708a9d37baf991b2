using System.Diagnostics;

namespace Genlook.Gateway.Proxy;

/// <summary>Last proxy stage: times what the forwarder (Genlook) takes, per route (<c>gateway.upstream.duration</c>).</summary>
internal sealed class UpstreamTimingMiddleware(RequestDelegate next, ProxyMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        await next(context);
        metrics.UpstreamDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds,
            new("route", context.GetGatewayRoute()?.Id), new("http.response.status_code", context.Response.StatusCode));
    }
}
