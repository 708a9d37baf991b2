using System.Buffers;
using System.Globalization;
using System.Net.ServerSentEvents;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Genlook.Gateway.Caching;

/// <summary>
/// Watching a generation (CONTRACT §7), after the ownership check (a stranger gets its <c>404</c> there, and Genlook is
/// not asked): <c>Accept: text/event-stream</c> answers a Server-Sent Events stream; <c>Prefer: wait=N</c> with
/// <c>If-None-Match</c> holds a plain GET until the status changes. Anything else goes on to the status cache.
/// The request itself was charged one <c>reads</c> permit by the limiter; events are not requests and cost nothing.
/// </summary>
internal sealed class GenerationWatchMiddleware(RequestDelegate next, GenerationWatchHub hub, WatchMetrics metrics, IOptions<CachingOptions> options)
{
    /// <summary>The longest <c>Prefer: wait</c> honoured, in seconds; a longer wish is cut to this (and says so).</summary>
    internal const int MaxWaitSeconds = 60;

    private static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetGatewayRoute() != GatewayRoute.Generation)
        {
            return next(context);
        }

        var request = context.Request;
        if (AcceptsEventStream(request))
        {
            return StreamAsync(context);
        }

        if (request.Headers.IfNoneMatch.Count > 0 && PreferredWait(request) is { } wait)
        {
            return HoldAsync(context, Math.Min(wait, MaxWaitSeconds));
        }

        return next(context);
    }

    private static bool AcceptsEventStream(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            return false;
        }

        foreach (var type in types)
        {
            if (type.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase) && type.Quality is not 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 7240 <c>wait=&lt;seconds&gt;</c> among the <c>Prefer</c> preferences; <c>null</c> when absent or not a number.</summary>
    internal static int? PreferredWait(HttpRequest request)
    {
        var prefer = request.Headers["Prefer"];
        if (prefer.Count == 0 || !NameValueHeaderValue.TryParseList(prefer, out var preferences))
        {
            return null;
        }

        foreach (var preference in preferences)
        {
            if (preference.Name.Equals("wait", StringComparison.OrdinalIgnoreCase) &&
                int.TryParse(preference.Value.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return seconds;
            }
        }

        return null;
    }

    private async Task StreamAsync(HttpContext context)
    {
        var user = context.GetGatewayUser();
        var id = (string)context.Request.RouteValues["id"]!;
        if (await OpenAsync(context, user) is not { } slot)
        {
            return;
        }

        metrics.Opened("stream");
        var generation = hub.Join(user, id);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, hub.Stopping);
        var response = context.Response;
        try
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass the stream through unbuffered
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await response.StartAsync(ended.Token);
            await response.Body.FlushAsync(ended.Token);

            // The version the app already has (a reconnect): not sent again.
            string? sent = context.Request.Headers["Last-Event-ID"] is { Count: 1 } last ? last[0] : null;
            while (true)
            {
                var changed = generation.Changed;
                var current = generation.Current;
                if (current is not null && current.Version != sent)
                {
                    await WriteEventAsync(response.Body, current, ended.Token);
                    sent = current.Version;
                    metrics.EventSent();
                }

                if (current is { Terminal: true } && current.Version == sent)
                {
                    break; // final: the stream ends
                }

                var tick = hub.HeartbeatTick;
                if (await Task.WhenAny(changed, tick).WaitAsync(ended.Token) != changed && !changed.IsCompleted)
                {
                    await response.Body.WriteAsync(Heartbeat, ended.Token);
                    await response.Body.FlushAsync(ended.Token);
                }
            }
        }
        catch (OperationCanceledException) when (hub.Stopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            await WriteRetryAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The app left.
        }
        catch (IOException)
        {
            // The connection broke under a write.
        }
        finally
        {
            hub.Leave(generation);
            metrics.Closed("stream");
            await hub.CloseAsync(user, slot);
        }
    }

    /// <summary>One event, formatted by the framework's <see cref="SseFormatter"/> (multi-line data, field syntax).</summary>
    private static Task WriteEventAsync(Stream body, WatchSnapshot snapshot, CancellationToken cancellationToken) =>
        SseFormatter.WriteAsync(
            new[] { new SseItem<byte[]>(snapshot.Body, snapshot.IsStatus ? "status" : "error") { EventId = snapshot.Version } }.ToAsyncEnumerable(),
            body,
            static (item, writer) => writer.Write(item.Data),
            cancellationToken);

    /// <summary>
    /// The shutdown hint: a bare <c>retry:</c> field (no event), by hand because <see cref="SseFormatter"/> only writes a
    /// reconnection interval beside an event's data, and an event here would have to repeat the status.
    /// </summary>
    private async Task WriteRetryAsync(HttpContext context)
    {
        try
        {
            var retry = System.Text.Encoding.ASCII.GetBytes($"retry: {(long)options.Value.WatchRetry.TotalMilliseconds}\n\n");
            await context.Response.Body.WriteAsync(retry, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The app left first.
        }
    }

    private async Task HoldAsync(HttpContext context, int waitSeconds)
    {
        var user = context.GetGatewayUser();
        var id = (string)context.Request.RouteValues["id"]!;
        if (await OpenAsync(context, user) is not { } slot)
        {
            return;
        }

        metrics.Opened("wait");
        var generation = hub.Join(user, id);
        WatchSnapshot? answer = null;
        var changedNow = false;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(waitSeconds));
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted, hub.Stopping);
            while (true)
            {
                var changed = generation.Changed;
                answer = generation.Current;
                if (answer is not null && (!answer.IsStatus || !StatusETag.NoneMatchHits(context.Request, answer.ETag)))
                {
                    changedNow = true;
                    break;
                }

                if (answer is { Terminal: true })
                {
                    break; // the app has the final status: it will not change
                }

                try
                {
                    await changed.WaitAsync(ended.Token);
                }
                catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                {
                    break; // the wait is over (or the instance stops): answer with what is known
                }
            }
        }
        finally
        {
            hub.Leave(generation);
            metrics.Closed("wait");
            await hub.CloseAsync(user, slot);
        }

        context.RequestAborted.ThrowIfCancellationRequested();
        if (answer is null)
        {
            await next(context); // nothing known yet (Genlook silent): a plain GET says what is
            return;
        }

        var response = context.Response;
        response.Headers["Preference-Applied"] = "wait=" + waitSeconds.ToString(CultureInfo.InvariantCulture);
        if (!answer.IsStatus)
        {
            response.StatusCode = answer.Status;
            response.ContentType = "application/json; charset=utf-8";
            await response.Body.WriteAsync(answer.Body, context.RequestAborted);
            return;
        }

        response.Headers.ETag = answer.ETag;
        response.Headers["Cache-Status"] = "genlook-gateway; hit";
        if (!changedNow)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = answer.Body.Length;
        await response.Body.WriteAsync(answer.Body, context.RequestAborted);
    }

    /// <summary>Takes a watch slot, or answers <c>429 RATE_LIMITED</c> with <c>Retry-After</c>. Store down: throws, answered <c>503</c>.</summary>
    private async Task<string?> OpenAsync(HttpContext context, IGatewayUserFeature user)
    {
        var (slot, retryAfter) = await hub.TryOpenAsync(user);
        if (slot is not null)
        {
            return slot;
        }

        context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await GatewayErrorResponse.WriteAsync(context, GatewayErrors.RateLimited(
            $"Too many open watches: at most {options.Value.MaxWatchesPerUser} per user. Close one, or retry after the time in the Retry-After header."));
        return null;
    }
}
