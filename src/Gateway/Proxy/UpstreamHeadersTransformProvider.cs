using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// The headers rule of CONTRACT §2, as an allowlist: Genlook gets the account's key, content negotiation and body
/// framing of the app's request, and nothing else the app sent (credentials, forwarding and override headers, the
/// gateway's own idempotency and cache headers). Trace context is the gateway's own span, written by YARP's propagator
/// after the transforms; <c>Host</c> comes from the destination.
/// Also maps Genlook rejecting that key (an operator problem) to <c>502 UPSTREAM_AUTH_FAILED</c>.
/// </summary>
internal sealed class UpstreamHeadersTransformProvider(IOptions<GenlookOptions> options, ProxyMetrics metrics, ILogger<UpstreamHeadersTransformProvider> logger) : ITransformProvider
{
    internal const string ApiKeyHeader = "x-api-key";

    /// <summary>
    /// CORS response headers (Fetch standard). Which browser origins may read the gateway's answers is the gateway's
    /// decision (<c>Cors:AllowedOrigins</c>); a permissive header from Genlook must not open the gateway to every site.
    /// </summary>
    private static readonly string[] CorsResponseHeaders =
        ["Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Expose-Headers", "Access-Control-Max-Age"];

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        // Nothing of the app's request is copied by default; CopyAllowedHeaders names what is. No forwarding headers either:
        // the user's address is personal data and none of Genlook's business.
        context.CopyRequestHeaders = false;
        context.UseDefaultForwarders = false;
        foreach (var header in CorsResponseHeaders)
        {
            // Before the CORS middleware adds its own when the response starts.
            context.AddResponseHeaderRemove(header, ResponseCondition.Always);
        }

        context.AddRequestTransform(SetUpstreamHeaders);
        context.AddResponseTransform(MapUpstreamKeyRejection);
    }

    private ValueTask SetUpstreamHeaders(RequestTransformContext context)
    {
        CopyAllowedHeaders(context.HttpContext.Request.Headers, context.ProxyRequest);
        var account = context.HttpContext.GetReverseProxyFeature().Cluster.Config.Metadata?[GenlookProxyConfigProvider.AccountMetadataKey];
        if (account is not null && options.Value.Accounts.TryGetValue(account, out var settings) && settings.ApiKey is { Length: > 0 } key)
        {
            context.ProxyRequest.Headers.TryAddWithoutValidation(ApiKeyHeader, key);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The app's headers Genlook gets: <c>Accept</c>, and <c>Content-Type</c>/<c>Content-Length</c> of a body (as the body
    /// stages left them after a rewrite). Typed lookups of three known headers, not a walk over all of them.
    /// </summary>
    internal static void CopyAllowedHeaders(IHeaderDictionary source, HttpRequestMessage proxyRequest)
    {
        if (FieldValue(source.Accept) is { } accept)
        {
            proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Accept, accept);
        }

        // YARP creates the content only when the request has a body; a bodyless request has no content headers.
        if (proxyRequest.Content is not { } content)
        {
            return;
        }

        if (FieldValue(source.ContentType) is { } contentType)
        {
            content.Headers.TryAddWithoutValidation(HeaderNames.ContentType, contentType);
        }

        // A chunked body stays chunked (HttpClient frames it); a length beside Transfer-Encoding is a smuggling attempt.
        if (source.ContentLength is { } length && source.TransferEncoding.Count == 0)
        {
            content.Headers.ContentLength = length;
        }
    }

    /// <summary>
    /// One field line per header: repeated lines are joined as RFC 9110 §5.3 allows (a repeated singleton such as
    /// <c>Content-Type</c> stays as invalid upstream as it was here); a value with a line break is dropped, as YARP does.
    /// </summary>
    private static string? FieldValue(StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var value = values.Count == 1 ? values[0]! : values.ToString();
        return value.AsSpan().IndexOfAny('\r', '\n') < 0 ? value : null;
    }

    private async ValueTask MapUpstreamKeyRejection(ResponseTransformContext context)
    {
        if (context.ProxyResponse?.StatusCode != System.Net.HttpStatusCode.Unauthorized)
        {
            return;
        }

        var account = context.HttpContext.GetReverseProxyFeature().Cluster.Config.Metadata?[GenlookProxyConfigProvider.AccountMetadataKey] ?? "?";
        ProxyLog.UpstreamKeyRejected(logger, account);
        metrics.UpstreamErrors.Add(1, new("error.code", "UPSTREAM_AUTH_FAILED"), new("route", context.HttpContext.GetGatewayRoute()?.Id));
        context.SuppressResponseBody = true;
        Errors.GatewayErrorResponse.ClearUpstreamHeaders(context.HttpContext.Response);
        await Errors.GatewayErrorResponse.WriteAsync(context.HttpContext, Errors.GatewayErrors.UpstreamAuthFailed());
    }
}
