using Genlook.Gateway.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// Limits and path hygiene before routing, answered in the contract shape:
/// Kestrel's own rejections (431, 413) carry no body, and Genlook would decode what Kestrel leaves encoded.
/// </summary>
internal sealed class RequestGuardMiddleware(RequestDelegate next, IOptions<GatewayLimitsOptions> limits, ILogger<RequestGuardMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var options = limits.Value;
        var (headersBytes, fieldLines) = HeadersSize(context.Request.Headers);
        if (headersBytes > options.MaxRequestHeadersBytes)
        {
            return GatewayErrorResponse.WriteAsync(context, GatewayErrors.HeadersTooLarge(options.MaxRequestHeadersBytes));
        }

        if (fieldLines > options.MaxRequestHeaderCount)
        {
            return GatewayErrorResponse.WriteAsync(context, GatewayErrors.TooManyHeaders(options.MaxRequestHeaderCount));
        }

        // No route is this long (Genlook ids are short): not a route, rather than Kestrel's bare 414.
        if (context.Features.Get<IHttpRequestFeature>()?.RawTarget is { } target && target.Length > options.MaxRequestTargetLength)
        {
            return GatewayErrorResponse.WriteAsync(context, GatewayErrors.RouteNotFound());
        }

        if (context.Request.Path.StartsWithSegments("/tryon", StringComparison.OrdinalIgnoreCase) && IsSuspicious(context))
        {
            ProxyLog.SuspiciousPathRejected(logger);
            return GatewayErrorResponse.WriteAsync(context, GatewayErrors.RouteNotFound());
        }

        if (context.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            return GatewayErrorResponse.WriteAsync(context, BodyTooLarge(options.MaxRequestBodyBytes));
        }

        // The server's own limit becomes the gateway's (Kestrel's default, 30 MB, would refuse a legal try-on with several
        // 10 MB images). A chunked body that passes it is then stopped by the server while it is read. Per request, after
        // the check above, not in Kestrel's options: with the server's limit below an announced length, Kestrel would not
        // drain the unread body after the 413 and would cut the connection while the app is still sending.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }

        return next(context);
    }

    /// <summary>The answer for a body over <c>Gateway:Limits:MaxRequestBodyBytes</c>, announced or found while reading.</summary>
    public static GatewayError BodyTooLarge(long? limitBytes) =>
        GatewayErrors.FileTooLarge(limitBytes is { } limit ? $"The request body exceeds {limit / (1024 * 1024)} MB." : "The request body is too large.");

    /// <summary>Total size of names and values, and the number of field lines (a repeated name counts once per line).</summary>
    private static (long Bytes, int FieldLines) HeadersSize(IHeaderDictionary headers)
    {
        long total = 0;
        var lines = 0;
        foreach (var (name, values) in headers)
        {
            lines += Math.Max(1, values.Count);
            total += name.Length;
            foreach (var value in values)
            {
                total += value?.Length ?? 0;
            }
        }

        return (total, lines);
    }

    /// <summary>
    /// Kestrel resolves <c>/./</c> and <c>/../</c> but keeps <c>%2F</c> encoded; an upstream that decodes later could be
    /// walked to another resource. No Genlook id contains these, so such paths are simply not routes.
    /// </summary>
    private static bool IsSuspicious(HttpContext context)
    {
        // Both the raw target (as the client sent it) and the path (as routing sees it): hosts differ in what they decode.
        return IsSuspicious(context.Features.Get<IHttpRequestFeature>()?.RawTarget) || IsSuspicious(context.Request.Path.Value);
    }

    private static bool IsSuspicious(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return false;
        }

        var queryStart = raw.IndexOf('?', StringComparison.Ordinal);
        var rawPath = queryStart >= 0 ? raw.AsSpan(0, queryStart) : raw.AsSpan();
        if (rawPath.Contains('%') && (rawPath.Contains("%2f", StringComparison.OrdinalIgnoreCase) ||
                                      rawPath.Contains("%5c", StringComparison.OrdinalIgnoreCase) ||
                                      rawPath.Contains("%2e", StringComparison.OrdinalIgnoreCase) ||
                                      rawPath.Contains("%00", StringComparison.Ordinal) ||
                                      rawPath.Contains("%25", StringComparison.Ordinal)))
        {
            return true;
        }

        return rawPath.Contains('\\') || rawPath.Contains("//", StringComparison.Ordinal) ||
               rawPath.Contains("/./", StringComparison.Ordinal) || rawPath.Contains("/../", StringComparison.Ordinal) ||
               rawPath.EndsWith("/.", StringComparison.Ordinal) || rawPath.EndsWith("/..", StringComparison.Ordinal);
    }
}

/// <summary>Request limits the gateway enforces itself, so the answer has the contract shape (<c>Gateway:Limits</c>).</summary>
public sealed class GatewayLimitsOptions
{
    public const string SectionName = "Gateway:Limits";

    /// <summary>Total size of request header names and values. Defaults to 16 KB (Kestrel's own hard limit is 64 KB).</summary>
    [System.ComponentModel.DataAnnotations.Range(1024, 60 * 1024, ErrorMessage = "Gateway:Limits:MaxRequestHeadersBytes must be between {1} and {2}.")]
    public int MaxRequestHeadersBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Kestrel's own header count limit, above any allowed <see cref="MaxRequestHeaderCount"/>: past it Kestrel answers a bare
    /// <c>431</c> before the gateway sees the request.
    /// </summary>
    internal const int ServerMaxRequestHeaderCount = 1000;

    /// <summary>Header field lines in a request. Defaults to 100 (Kestrel's own default).</summary>
    [System.ComponentModel.DataAnnotations.Range(10, ServerMaxRequestHeaderCount, ErrorMessage = "Gateway:Limits:MaxRequestHeaderCount must be between {1} and {2}.")]
    public int MaxRequestHeaderCount { get; set; } = 100;

    /// <summary>Length of the request target (path and query); a longer one is no route. Defaults to 8 KB (Kestrel's default request line).</summary>
    [System.ComponentModel.DataAnnotations.Range(1024, 60 * 1024, ErrorMessage = "Gateway:Limits:MaxRequestTargetLength must be between {1} and {2}.")]
    public int MaxRequestTargetLength { get; set; } = 8 * 1024;

    /// <summary>Largest request body accepted. Defaults to 64 MB (several 10 MB images in one try-on).</summary>
    [System.ComponentModel.DataAnnotations.Range(1024, long.MaxValue, ErrorMessage = "Gateway:Limits:MaxRequestBodyBytes must be at least {1}.")]
    public long MaxRequestBodyBytes { get; set; } = 64L * 1024 * 1024;
}
