using System.Text.Json;

namespace Genlook.Gateway.Errors;

/// <summary>Writes a <see cref="GatewayError"/> as the response, and as an <see cref="IResult"/> for minimal APIs.</summary>
public static class GatewayErrorResponse
{
    public static Task WriteAsync(HttpContext context, GatewayError error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Too late to change the status line: the only honest thing left is to cut the connection.
            context.Abort();
            return Task.CompletedTask;
        }

        context.Features.Set(new GatewayErrorFeature(error));
        response.StatusCode = error.Status;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(response.Body, error, GatewayErrorJsonContext.Default.GatewayError, context.RequestAborted);
    }

    /// <summary>
    /// Before an error replaces a proxied answer: drops Genlook's headers, keeps those the gateway set for this request
    /// (its rate-limit state and cache status describe the request, whatever the answer; CONTRACT §6, §7).
    /// </summary>
    public static void ClearUpstreamHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        var rateLimitPolicy = headers["RateLimit-Policy"];
        var rateLimit = headers["RateLimit"];
        var cacheStatus = headers["Cache-Status"];
        headers.Clear();
        Restore("RateLimit-Policy", rateLimitPolicy);
        Restore("RateLimit", rateLimit);
        Restore("Cache-Status", cacheStatus);

        void Restore(string name, Microsoft.Extensions.Primitives.StringValues value)
        {
            if (value.Count > 0)
            {
                headers[name] = value;
            }
        }
    }

    public static IResult ToResult(this GatewayError error) => new ErrorResult(error);

    private sealed class ErrorResult(GatewayError error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, error);
    }
}
