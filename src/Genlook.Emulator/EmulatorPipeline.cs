using System.Globalization;
using Microsoft.Extensions.Options;

namespace Genlook.Emulator;

/// <summary>
/// What every emulator request goes through: read the body once, inject faults (before auth, so a test can break even
/// a badly authenticated call), check the key, answer, and record what was answered.
/// </summary>
internal static partial class EmulatorPipeline
{
    /// <summary>Recorded when the client went away (nginx's convention); no response was written.</summary>
    private const int ClientClosedRequest = 499;

    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next, bool requireKey)
    {
        var context = invocation.HttpContext;
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<EmulatorOptions>>().Value;
        var log = services.GetRequiredService<EmulatorRequestLog>();
        var time = services.GetRequiredService<TimeProvider>();
        var receivedAt = time.GetUtcNow();
        ParsedRequest parsed = ParsedRequest.Empty;
        try
        {
            parsed = await ParsedRequest.ReadAsync(context.Request, hashFiles: !options.Instant, context.RequestAborted);
            context.Features.Set(parsed);

            object? result = null;
            var fault = services.GetRequiredService<EmulatorFaults>().Take(context.Request.Method, context.Request.Path.Value ?? "", requireKey);
            switch (fault?.Kind)
            {
                case FaultKind.Reset:
                    log.Add(Record(context, receivedAt, parsed, 0));
                    context.Abort();
                    return Results.Empty;
                case FaultKind.Delay:
                    await Task.Delay(fault.Duration, time, context.RequestAborted);
                    break;
                case FaultKind.Fail:
                    if (fault.Duration > TimeSpan.Zero)
                    {
                        await Task.Delay(fault.Duration, time, context.RequestAborted);
                    }

                    result = EmulatorApi.Error(fault.Status, fault.Code, "Injected failure.");
                    break;
                case FaultKind.RateLimit:
                    context.Response.Headers.RetryAfter = ((long)Math.Ceiling(fault.Duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                    result = EmulatorApi.Error(429, "RATE_LIMITED", "Per-account request budget exceeded. Back off and retry.");
                    break;
                case FaultKind.RejectKey:
                    result = EmulatorApi.Error(401, "INVALID_API_KEY", "The key was rejected.");
                    break;
                case FaultKind.Respond:
                    await RespondRawAsync(context, fault); // a stalled answer ends when the client leaves: recorded as 499 below
                    log.Add(Record(context, receivedAt, parsed, fault.Status));
                    return Results.Empty;
            }

            if (result is null && requireKey)
            {
                var key = context.Request.Headers["x-api-key"].ToString();
                if (key.Length == 0)
                {
                    result = EmulatorApi.Error(401, "MISSING_API_KEY", "x-api-key header is missing.");
                }
                else if (!options.ApiKeys.Contains(key))
                {
                    result = EmulatorApi.Error(401, "INVALID_API_KEY", "The key was rejected.");
                }
            }

            if (result is null && parsed.TooLarge)
            {
                result = EmulatorApi.Error(413, "FILE_TOO_LARGE", "The request body exceeds the size limit.");
            }

            result ??= await next(invocation);
            log.Add(Record(context, receivedAt, parsed, result is IStatusCodeHttpResult { StatusCode: { } status } ? status : 200));
            return result;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            log.Add(Record(context, receivedAt, parsed, ClientClosedRequest));
            return Results.Empty;
        }
        catch (Exception ex)
        {
            // The route pattern, not the path: paths carry customer ids.
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "?";
            LogUnhandled(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EmulatorPipeline)), context.Request.Method, route, ex);
            log.Add(Record(context, receivedAt, parsed, 500));
            return EmulatorApi.Error(500, "INTERNAL_ERROR", "Unexpected failure in the emulator.");
        }
    }

    private static async Task RespondRawAsync(HttpContext context, FaultRule fault)
    {
        var response = context.Response;
        var body = System.Text.Encoding.UTF8.GetBytes(fault.Body);
        response.StatusCode = fault.Status;
        response.ContentType = fault.ContentType;
        foreach (var (name, value) in fault.Headers)
        {
            response.Headers[name] = value;
        }

        response.ContentLength = fault.Ending == ResponseEnding.Complete ? body.Length : body.Length * 2L;
        await response.Body.WriteAsync(body, context.RequestAborted);
        await response.Body.FlushAsync(context.RequestAborted);
        switch (fault.Ending)
        {
            case ResponseEnding.ResetMidBody:
                context.Abort();
                break;
            case ResponseEnding.StallMidBody:
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                break;
        }
    }

    private static RecordedRequest Record(HttpContext context, DateTimeOffset at, ParsedRequest parsed, int status)
    {
        var request = context.Request;
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.Ordinal);
        foreach (var header in request.Headers)
        {
            headers[header.Key.ToLowerInvariant()] = header.Value.ToString();
        }

        return new RecordedRequest(at, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            headers, request.ContentType, parsed.Json, parsed.ToRecorded(), status);
    }

    [LoggerMessage(2, LogLevel.Error, "Emulator failed on {Method} {Route}")]
    private static partial void LogUnhandled(ILogger logger, string method, string route, Exception exception);
}
