using System.Collections.Concurrent;
using System.Globalization;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Observability;
using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Caching;

/// <summary>
/// The status-cache stage for <c>GET /generations/{id}</c>, after the ownership check (a hit never bypasses it).
/// A hit is answered from the cache; concurrent misses of one generation on this instance make one upstream call
/// (the first forwards, the others wait for its answer); every answer carries RFC 9211 <c>Cache-Status</c>.
/// </summary>
internal sealed class GenerationStatusCacheMiddleware(RequestDelegate next, GenerationStatusCache cache, GatewayTelemetry telemetry, TimeProvider time)
{
    private const string CacheName = "genlook-gateway";
    private const int MaxBodyBytes = 256 * 1024;
    private static readonly TimeSpan FlightWait = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CachedStatus?>> _flights = new(StringComparer.Ordinal);

    // Other routes pass straight through, without a state machine of their own.
    public Task InvokeAsync(HttpContext context) =>
        context.GetGatewayRoute() == GatewayRoute.Generation ? ServeStatusAsync(context) : next(context);

    private async Task ServeStatusAsync(HttpContext context)
    {
        var user = context.GetGatewayUser();
        var id = (string)context.Request.RouteValues["id"]!;
        if (await cache.TryGetAsync(user, id, context.RequestAborted) is { } hit)
        {
            await WriteHitAsync(context, hit);
            return;
        }

        var key = GenerationStatusCache.Key(user, id);
        var flight = new TaskCompletionSource<CachedStatus?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var leader = _flights.GetOrAdd(key, flight);
        if (leader != flight)
        {
            CachedStatus? shared;
            try
            {
                shared = await leader.Task.WaitAsync(FlightWait, context.RequestAborted);
            }
            catch (TimeoutException)
            {
                shared = null; // the leader is stuck on a slow upstream: ask for ourselves
            }

            if (shared is not null)
            {
                await WriteHitAsync(context, shared);
                return;
            }
        }

        try
        {
            var (fetch, fromOtherInstance) = await cache.ClaimFetchAsync(user, id, FlightWait / 5, context.RequestAborted);
            if (!fetch)
            {
                flight.TrySetResult(fromOtherInstance);
                await WriteHitAsync(context, fromOtherInstance!);
                return;
            }

            try
            {
                flight.TrySetResult(await ForwardAndStoreAsync(context, user, id));
            }
            finally
            {
                await cache.ReleaseFetchAsync(user, id);
            }
        }
        catch (Exception ex)
        {
            flight.TrySetException(ex);
            throw;
        }
        finally
        {
            _flights.TryRemove(new KeyValuePair<string, TaskCompletionSource<CachedStatus?>>(key, flight));
        }
    }

    private async Task<CachedStatus?> ForwardAndStoreAsync(HttpContext context, IGatewayUserFeature user, string id)
    {
        telemetry.CacheLookups.Add(1, new KeyValuePair<string, object?>("cache.result", "miss"));
        GatewayTelemetry.Decision("gateway.cache", "miss");
        var response = context.Response;
        var original = response.Body;
        using var capture = new MemoryStream();
        response.Body = capture;
        CachedStatus? entry = null;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }

        if (response.StatusCode == StatusCodes.Status200OK && capture.Length is > 0 and <= MaxBodyBytes &&
            context.Features.Get<Errors.GatewayErrorFeature>() is null)
        {
            entry = await cache.StoreAsync(user, id, capture.ToArray(), context.RequestAborted);
        }

        if (!response.HasStarted)
        {
            response.Headers["Cache-Status"] = entry is null
                ? $"{CacheName}; fwd=miss"
                : $"{CacheName}; fwd=miss; stored; ttl={Ttl(entry)}";
        }

        capture.Position = 0;
        await capture.CopyToAsync(original, context.RequestAborted);
        return entry;
    }

    private Task WriteHitAsync(HttpContext context, CachedStatus entry)
    {
        telemetry.CacheLookups.Add(1, new KeyValuePair<string, object?>("cache.result", "hit"));
        GatewayTelemetry.Decision("gateway.cache", "hit");
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = entry.Body.Length;
        response.Headers["Cache-Status"] = $"{CacheName}; hit; ttl={Ttl(entry)}";
        return response.Body.WriteAsync(entry.Body, context.RequestAborted).AsTask();
    }

    private string Ttl(CachedStatus entry) =>
        Math.Max(0, (long)Math.Ceiling((entry.ExpiresAt - time.GetUtcNow()).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
