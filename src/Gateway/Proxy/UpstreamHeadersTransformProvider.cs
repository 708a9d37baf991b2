using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// The headers rule of CONTRACT §2: the app's credentials never reach Genlook, the account's key always does.
/// Also maps Genlook rejecting that key (an operator problem) to <c>502 UPSTREAM_AUTH_FAILED</c>.
/// </summary>
internal sealed class UpstreamHeadersTransformProvider(IOptions<GenlookOptions> options, Observability.GatewayTelemetry telemetry, ILogger<UpstreamHeadersTransformProvider> logger) : ITransformProvider
{
    internal const string ApiKeyHeader = "x-api-key";

    /// <summary>Headers that carry the client's address (RFC 7239, the de facto X-Forwarded-* set, and CDN variants).</summary>
    private static readonly string[] ClientAddressHeaders =
        ["Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Real-IP", "True-Client-IP", "CF-Connecting-IP", "X-Client-IP"];

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
        // The user's address is personal data and none of Genlook's business: the gateway adds no forwarding headers,
        // and drops those an app or an ingress in front of the gateway set.
        context.UseDefaultForwarders = false;
        foreach (var header in ClientAddressHeaders)
        {
            context.AddRequestHeaderRemove(header);
        }

        context.AddRequestHeaderRemove("Authorization");
        context.AddRequestHeaderRemove("Proxy-Authorization");
        context.AddRequestHeaderRemove("Cookie");
        // Responses the gateway reads (ids, statuses) must arrive uncompressed; they are small JSON anyway.
        context.AddRequestHeaderRemove("Accept-Encoding");
        foreach (var header in CorsResponseHeaders)
        {
            // Before the CORS middleware adds its own when the response starts.
            context.AddResponseHeaderRemove(header, ResponseCondition.Always);
        }

        context.AddRequestTransform(SetAccountKey);
        context.AddResponseTransform(MapUpstreamKeyRejection);
    }

    private ValueTask SetAccountKey(RequestTransformContext context)
    {
        var headers = context.ProxyRequest.Headers;
        headers.Remove(ApiKeyHeader);
        var account = context.HttpContext.GetReverseProxyFeature().Cluster.Config.Metadata?[GenlookProxyConfigProvider.AccountMetadataKey];
        if (account is not null && options.Value.Accounts.TryGetValue(account, out var settings) && settings.ApiKey is { Length: > 0 } key)
        {
            headers.TryAddWithoutValidation(ApiKeyHeader, key);
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask MapUpstreamKeyRejection(ResponseTransformContext context)
    {
        if (context.ProxyResponse?.StatusCode != System.Net.HttpStatusCode.Unauthorized)
        {
            return;
        }

        var account = context.HttpContext.GetReverseProxyFeature().Cluster.Config.Metadata?[GenlookProxyConfigProvider.AccountMetadataKey] ?? "?";
        ProxyLog.UpstreamKeyRejected(logger, account);
        telemetry.UpstreamErrors.Add(1, new("error.code", "UPSTREAM_AUTH_FAILED"), new("route", context.HttpContext.GetGatewayRoute()?.Id));
        context.SuppressResponseBody = true;
        Errors.GatewayErrorResponse.ClearUpstreamHeaders(context.HttpContext.Response);
        await Errors.GatewayErrorResponse.WriteAsync(context.HttpContext, Errors.GatewayErrors.UpstreamAuthFailed());
    }
}
