using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Microsoft.Net.Http.Headers;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Genlook answering <c>429</c> to a try-on means the account's own budget is spent: the answer goes to the app as is,
/// and further try-ons of that account are held on every instance until Genlook's <c>Retry-After</c> has passed.
/// </summary>
internal sealed partial class UpstreamRateLimitMiddleware(RequestDelegate next, IRateLimitStore store, TimeProvider time, ILogger<UpstreamRateLimitMiddleware> logger)
{
    private static readonly TimeSpan DefaultHold = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaximumHold = TimeSpan.FromMinutes(10);

    // Only try-ons can be held: other routes pass straight through, without a state machine of their own.
    public Task InvokeAsync(HttpContext context) =>
        context.GetGatewayRoute() == GatewayRoute.TryOn ? ForwardTryOnAsync(context) : next(context);

    private async Task ForwardTryOnAsync(HttpContext context)
    {
        await next(context);
        if (context.Response.StatusCode != StatusCodes.Status429TooManyRequests ||
            context.Features.Get<GatewayErrorFeature>() is not null)
        {
            return;
        }

        var hold = RetryAfter(context.Response.Headers.RetryAfter.ToString());
        var account = context.GetGatewayUser().Account;
        LogHold(logger, account, hold.TotalSeconds);
        await store.HoldAsync(RateLimitKeys.AccountHold(account), hold, CancellationToken.None);
    }

    private TimeSpan RetryAfter(string value)
    {
        TimeSpan hold;
        if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            // Bounded before it becomes a TimeSpan: a huge delay-seconds would overflow it and cut the app's answer.
            hold = TimeSpan.FromSeconds(Math.Min(seconds, (long)MaximumHold.TotalSeconds));
        }
        else if (HeaderUtilities.TryParseDate(value, out var date))
        {
            hold = date - time.GetUtcNow();
        }
        else
        {
            hold = DefaultHold;
        }

        return hold <= TimeSpan.Zero ? DefaultHold : hold > MaximumHold ? MaximumHold : hold;
    }

    [LoggerMessage(6003, LogLevel.Warning, "Genlook rate-limited account '{Account}': holding its try-ons for {Seconds} s on every instance.")]
    private static partial void LogHold(ILogger logger, string account, double seconds);
}
