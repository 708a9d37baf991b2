using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// Refuses a request whose body framing another HTTP implementation could read differently (RFC 9112 §6.3; request
/// smuggling), where Kestrel lets it through: <c>400 VALIDATION_FAILED</c> naming the field, without reading the body,
/// and the connection is closed after the answer (what follows on it cannot be trusted to start a request).
/// First in the pipeline, so nothing else acts on such a request. What Kestrel refuses itself is listed in docs/api.md.
/// </summary>
internal sealed partial class RequestFramingMiddleware(RequestDelegate next, ILogger<RequestFramingMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.Features.Get<ContentLengthSyntaxWatch>() is { Malformed: true })
        {
            return RefuseAsync(context, "Content-Length", "Content-Length must be digits only (RFC 9110 §8.6).");
        }

        var transferEncoding = request.Headers.TransferEncoding;
        if (transferEncoding.Count > 0)
        {
            // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing, whatever else it says.
            if (HttpProtocol.IsHttp10(request.Protocol))
            {
                return RefuseAsync(context, "Transfer-Encoding", "Transfer-Encoding is not allowed in HTTP/1.0.");
            }

            // Kestrel takes any list that ends in chunked; the gateway takes chunked alone, once (no other coding is
            // understood here or upstream, and chunked twice is forbidden by RFC 9112 §6.1).
            if (!IsChunkedAlone(transferEncoding))
            {
                return RefuseAsync(context, "Transfer-Encoding", "Transfer-Encoding must be exactly 'chunked'.");
            }
        }

        return next(context);
    }

    private static bool IsChunkedAlone(Microsoft.Extensions.Primitives.StringValues fieldLines) =>
        fieldLines.Count == 1 && fieldLines[0].AsSpan().Trim(" \t").Equals("chunked", StringComparison.OrdinalIgnoreCase);

    private Task RefuseAsync(HttpContext context, string field, string message)
    {
        LogFramingRefused(logger, field);
        context.Response.Headers.Connection = "close";
        return GatewayErrorResponse.WriteAsync(context, GatewayErrors.ValidationFailed(field, message));
    }

    [LoggerMessage(1010, LogLevel.Debug, "Refused a request with ambiguous framing ({Field}); its connection is closed.")]
    private static partial void LogFramingRefused(ILogger logger, string field);
}
