using Genlook.Gateway.Errors;
using Microsoft.AspNetCore.Diagnostics;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// <c>RateLimiting:FailureMode</c> <c>closed</c> and Redis cannot decide: <c>503 STORE_UNAVAILABLE</c>. Not logged per
/// request: the limiter logs its circuit opening and closing once each.
/// </summary>
internal sealed class RateLimitUnavailableExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not RateLimitUnavailableException)
        {
            return false;
        }

        await GatewayErrorResponse.WriteAsync(httpContext, GatewayErrors.StoreUnavailable());
        return true;
    }
}
