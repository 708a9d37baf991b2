using Genlook.Gateway.Errors;
using Yarp.ReverseProxy.Forwarder;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// YARP answers a failed forward with a bare 502/504 and no body; apps get the contract shape instead (CONTRACT §4).
/// Runs first in the proxy pipeline so it sees the forwarder's verdict.
/// </summary>
internal sealed class UpstreamErrorMiddleware(RequestDelegate next, ProxyMetrics metrics, ILogger<UpstreamErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        var errorFeature = context.Features.Get<IForwarderErrorFeature>();
        if (errorFeature is null || errorFeature.Error == ForwarderError.None)
        {
            return;
        }

        var error = errorFeature.Error;
        if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled)
        {
            return; // the app went away; there is nobody to answer
        }

        ProxyLog.UpstreamFailed(logger, context.GetGatewayRoute()?.Id ?? "?", error.ToString(), errorFeature.Exception);
        GatewayError? mapped = error switch
        {
            ForwarderError.RequestTimedOut => GatewayErrors.UpstreamTimeout(),
            // Genlook sent its headers and then fell silent past Genlook:Timeout: YARP's activity timeout cancels the
            // body read (the forwarder's copy, or a response transform reading it) and reports the destination or the
            // headers stage. Where the app has not been answered yet, that is still a timeout, not an unreachable Genlook.
            ForwarderError.ResponseBodyDestination or ForwarderError.ResponseHeaders
                when errorFeature.Exception is OperationCanceledException && !context.RequestAborted.IsCancellationRequested => GatewayErrors.UpstreamTimeout(),
            ForwarderError.RequestBodyClient => GatewayErrors.ValidationFailed("body", "The request body could not be read."),
            _ => GatewayErrors.UpstreamUnavailable(),
        };

        metrics.UpstreamErrors.Add(1, new("error.code", mapped.Code), new("route", context.GetGatewayRoute()?.Id));
        Observability.GatewayTelemetry.TagRequestSpan("gateway.upstream.error", mapped.Code);
        if (context.Response.HasStarted)
        {
            return; // YARP has already cut the response; a half-written body cannot be shaped
        }

        GatewayErrorResponse.ClearUpstreamHeaders(context.Response);
        await GatewayErrorResponse.WriteAsync(context, mapped);
    }
}
