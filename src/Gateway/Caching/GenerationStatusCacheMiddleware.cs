using System.Collections.Concurrent;
using System.Globalization;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.Storage;

namespace Genlook.Gateway.Caching;

/// <summary>
/// The status-cache stage for <c>GET /generations/{id}</c>, after the ownership check (a hit never bypasses it).
/// A hit is answered from the cache; concurrent misses of one generation on this instance make one upstream call
/// (the first forwards, the others wait for its answer, and ask for themselves if it has none: its client left, or the
/// store or Genlook failed); every answer carries RFC 9211 <c>Cache-Status</c>.
/// The cache is optional (CONTRACT §4): when the store fails, the poll is a plain miss and Genlook's answer goes out.
/// </summary>
internal sealed partial class GenerationStatusCacheMiddleware(
    RequestDelegate next, GenerationStatusCache cache, CachingMetrics metrics, TimeProvider time, ILogger<GenerationStatusCacheMiddleware> logger)
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
        CachedStatus? hit = null;
        try
        {
            hit = await cache.TryGetAsync(user, id, context.RequestAborted);
        }
        catch (StoreUnavailableException ex)
        {
            LogCacheUnavailable(logger, "lookup", ex.Message);
        }

        if (hit is not null)
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
            catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
            {
                shared = null; // the leader failed or is stuck on a slow upstream: ask for ourselves
            }

            if (shared is not null)
            {
                await WriteHitAsync(context, shared);
                return;
            }
        }

        try
        {
            (bool Fetch, byte[]? Lock, CachedStatus? Entry) claim;
            try
            {
                claim = await cache.ClaimFetchAsync(user, id, FlightWait / 5, context.RequestAborted);
            }
            catch (StoreUnavailableException ex)
            {
                LogCacheUnavailable(logger, "claim", ex.Message);
                claim = (true, null, null); // no lock to take: ask Genlook without one
            }

            var (fetch, fetchLock, fromOtherInstance) = claim;
            if (!fetch)
            {
                flight.TrySetResult(fromOtherInstance);
                await WriteHitAsync(context, fromOtherInstance!);
                return;
            }

            using var answer = new CaptureStream(context.Response, MaxBodyBytes);
            try
            {
                flight.TrySetResult(await ForwardAndStoreAsync(context, user, id, answer));
            }
            finally
            {
                try
                {
                    await cache.ReleaseFetchAsync(user, id, fetchLock);
                }
                catch (StoreUnavailableException ex)
                {
                    LogCacheUnavailable(logger, "release", ex.Message); // the lock expires on its own
                }
            }

            // Only now this client's copy: the followers have theirs already, so this client leaving cannot fail them.
            if (!answer.Overflowed && NotModified(context, context.Response.Headers.ETag))
            {
                return;
            }

            if (!answer.Overflowed)
            {
                answer.Held.Position = 0;
                await answer.Held.CopyToAsync(context.Response.Body, context.RequestAborted);
            }
        }
        finally
        {
            // Whatever went wrong (this client left, the store failed), the flight ends without a shared answer and the
            // followers ask for themselves; it never faults, so a follower never inherits this request's failure.
            flight.TrySetResult(null);
            _flights.TryRemove(new KeyValuePair<string, TaskCompletionSource<CachedStatus?>>(key, flight));
        }
    }

    /// <summary>Forwards with the response body captured into <paramref name="capture"/>, and caches it if it may be.</summary>
    private async Task<CachedStatus?> ForwardAndStoreAsync(HttpContext context, IGatewayUserFeature user, string id, CaptureStream capture)
    {
        metrics.Looked(hit: false);
        var response = context.Response;
        var original = response.Body;
        capture.Client = original;
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

        if (response.StatusCode == StatusCodes.Status200OK && !capture.Overflowed && capture.Held.Length > 0 &&
            context.Features.Get<Errors.GatewayErrorFeature>() is null)
        {
            // Not cancelled with this request: the answer is paid for, and the followers and later polls want it.
            try
            {
                entry = await cache.StoreAsync(user, id, capture.Held.ToArray(), CancellationToken.None);
            }
            catch (StoreUnavailableException ex)
            {
                LogCacheUnavailable(logger, "store", ex.Message); // served uncached: Genlook's good answer is never turned into an error
            }
        }

        if (!response.HasStarted)
        {
            if (response.StatusCode == StatusCodes.Status200OK && !capture.Overflowed && capture.Held.Length > 0)
            {
                response.Headers.ETag = entry?.ETag ?? StatusETag.FromVersion(StatusETag.Version(capture.Held.GetBuffer().AsSpan(0, (int)capture.Held.Length)));
            }

            response.Headers["Cache-Status"] = entry is null
                ? $"{CacheName}; fwd=miss"
                : $"{CacheName}; fwd=miss; stored; ttl={Ttl(entry)}";
        }

        return entry;
    }

    /// <summary>
    /// Holds the forwarded answer for the followers and the cache, up to <c>limit</c> bytes (more than a status ever
    /// is). Past that it cannot be cached: what is held goes out to this client and the rest streams through, so a
    /// huge answer is never held whole in memory (nor kept from the app until its last byte).
    /// </summary>
    internal sealed class CaptureStream(HttpResponse response, int limit) : Stream
    {
        public MemoryStream Held { get; } = new();

        public Stream Client { get; set; } = Null;

        public bool Overflowed { get; private set; }

        public override bool CanRead => false;

        // Seekable while nothing has gone out, as the MemoryStream it replaces: HttpResponse.Clear() (YARP, on an
        // upstream failure mid-body) drops a partial answer with SetLength(0), so the app gets the error, not half a body.
        public override bool CanSeek => !Overflowed;

        public override bool CanWrite => true;

        public override long Length => Overflowed ? throw new NotSupportedException() : Held.Length;

        public override long Position
        {
            get => Overflowed ? throw new NotSupportedException() : Held.Position;
            set => Held.Position = Overflowed ? throw new NotSupportedException() : value;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!Overflowed && Held.Length + buffer.Length <= limit)
            {
                Held.Write(buffer.Span);
                return;
            }

            if (!Overflowed)
            {
                Overflowed = true;
                response.Headers["Cache-Status"] = $"{CacheName}; fwd=miss";
                Held.Position = 0;
                await Held.CopyToAsync(Client, cancellationToken);
                Held.SetLength(0);
            }

            await Client.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // Synchronous all the way, never blocking on the async path: past the limit, the client's stream decides whether it
        // takes synchronous writes (Kestrel refuses them unless AllowSynchronousIO is set).
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (!Overflowed && Held.Length + buffer.Length <= limit)
            {
                Held.Write(buffer);
                return;
            }

            if (!Overflowed)
            {
                Overflowed = true;
                response.Headers["Cache-Status"] = $"{CacheName}; fwd=miss";
                Held.Position = 0;
                Held.CopyTo(Client);
                Held.SetLength(0);
            }

            Client.Write(buffer);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Overflowed ? Client.FlushAsync(cancellationToken) : Task.CompletedTask;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => Overflowed ? throw new NotSupportedException() : Held.Seek(offset, origin);

        public override void SetLength(long value)
        {
            if (Overflowed)
            {
                throw new NotSupportedException();
            }

            Held.SetLength(value);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Held.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private Task WriteHitAsync(HttpContext context, CachedStatus entry)
    {
        metrics.Looked(hit: true);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = entry.Body.Length;
        response.Headers["Cache-Status"] = $"{CacheName}; hit; ttl={Ttl(entry)}";
        response.Headers.ETag = entry.ETag;
        return NotModified(context, entry.ETag) ? Task.CompletedTask : response.Body.WriteAsync(entry.Body, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// A <c>200</c> whose ETag the app already holds (<c>If-None-Match</c>) becomes <c>304</c> without a body (RFC 9110 §13.1.2);
    /// <c>true</c> when it did. The ETag and Cache-Status stay.
    /// </summary>
    private static bool NotModified(HttpContext context, string? etag)
    {
        var response = context.Response;
        if (response.StatusCode != StatusCodes.Status200OK || string.IsNullOrEmpty(etag) || response.HasStarted || !StatusETag.NoneMatchHits(context.Request, etag))
        {
            return false;
        }

        response.StatusCode = StatusCodes.Status304NotModified;
        response.ContentLength = null;
        response.Headers.ContentType = default;
        return true;
    }

    private string Ttl(CachedStatus entry) =>
        Math.Max(0, (long)Math.Ceiling((entry.ExpiresAt - time.GetUtcNow()).TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    // Debug: the outage itself is logged once by the store (StoreOutage); a line per poll would flood the log.
    [LoggerMessage(8001, LogLevel.Debug, "The generation status cache failed ({Operation}: {Reason}); the poll was served without it.")]
    private static partial void LogCacheUnavailable(ILogger logger, string operation, string reason);
}
