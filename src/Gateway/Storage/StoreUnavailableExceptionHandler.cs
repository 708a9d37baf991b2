using Genlook.Gateway.Errors;
using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace Genlook.Gateway.Storage;

/// <summary>
/// The store could not serve: <c>503 STORE_UNAVAILABLE</c>. An expected answer during an outage, so not logged per
/// request (handled here, ASP.NET Core records no diagnostics for it); <see cref="StoreOutage"/> logs the outage once.
/// Also catches a Redis outage that reached the pipeline unwrapped, so no caller's oversight turns it into a <c>500</c>.
/// </summary>
internal sealed class StoreUnavailableExceptionHandler(StoreOutage outage) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (StoreUnavailableException or RedisException or RedisTimeoutException) || RedisErrors.OutageReason(exception) is not { } reason)
        {
            return false;
        }

        if (exception is not StoreUnavailableException)
        {
            outage.Failed(reason);
        }

        await GatewayErrorResponse.WriteAsync(httpContext, GatewayErrors.StoreUnavailable());
        return true;
    }
}
