using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Genlook.Gateway.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> (draft-ietf-httpapi-idempotency-key-header, CONTRACT §10) on try-ons and uploads, after the
/// body stage, so the fingerprint is of what is actually forwarded (<see cref="BodyFingerprint"/>). The first request claims the key in the shared
/// store and is forwarded; its response is kept for 24 hours and replayed for the same key and body without calling
/// Genlook; a different body is <c>422</c>, a repeat while the first is in flight (on any instance) is <c>409</c>.
/// A 5xx, a timeout or an answer Genlook says to retry (429, 402) releases the key, so a failure never poisons it.
/// </summary>
internal sealed class IdempotencyMiddleware(RequestDelegate next, IGatewayStore store, IdempotencyMetrics metrics, IOptions<GenlookOptions> genlook)
{
    public const string HeaderName = "Idempotency-Key";
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private const int MaxKeyLength = 255;
    private const int MaxStoredBodyBytes = 256 * 1024;

    // Requests without a key, and other routes, pass straight through, without a state machine of their own.
    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetGatewayRoute();
        return (route == GatewayRoute.TryOn || route == GatewayRoute.Upload) && context.Request.Headers.TryGetValue(HeaderName, out var values)
            ? HandleKeyAsync(context, route, values)
            : next(context);
    }

    private async Task HandleKeyAsync(HttpContext context, GatewayRoute route, StringValues values)
    {
        var idempotencyKey = values.ToString();
        if (values.Count != 1 || idempotencyKey.Length is 0 or > MaxKeyLength || idempotencyKey.Any(c => c is < '!' or > '~'))
        {
            await GatewayErrorResponse.WriteAsync(context, GatewayErrors.ValidationFailed(HeaderName, $"One key of 1-{MaxKeyLength} visible ASCII characters."));
            return;
        }

        var user = context.GetGatewayUser();
        var fingerprint = await BodyFingerprint.ComputeAsync(context.Request, context.RequestAborted);
        var keyHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(route!.Id + "\n" + idempotencyKey)));
        var recordKey = StoreKeys.UserKey(user.Pseudonym, user.Account, "idem", keyHash);

        // Claim the key; if someone holds it, answer from their record. Twice at most: a record can expire in between.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var inFlight = Serialize(new IdempotencyRecord(fingerprint, Done: false, Owner: Convert.ToHexString(RandomNumberGenerator.GetBytes(12))));
            if (await store.SetIfAbsentAsync(recordKey, inFlight, genlook.Value.Timeout + TimeSpan.FromSeconds(30), context.RequestAborted))
            {
                await ForwardAndRecordAsync(context, user, recordKey, inFlight, fingerprint);
                return;
            }

            if (await store.GetAsync(recordKey, context.RequestAborted) is { } stored && Deserialize(stored) is { } existing)
            {
                await AnswerFromRecordAsync(context, existing, fingerprint);
                return;
            }
        }

        await GatewayErrorResponse.WriteAsync(context, GatewayErrors.IdempotencyKeyInUse());
    }

    private async Task ForwardAndRecordAsync(HttpContext context, IGatewayUserFeature user, string recordKey, byte[] inFlight, string fingerprint)
    {
        var response = context.Response;
        var original = response.Body;
        using var capture = new MemoryStream();
        response.Body = capture;
        var succeeded = false;
        try
        {
            await next(context);
            succeeded = true;
        }
        finally
        {
            response.Body = original;
            var failed = !succeeded || IsRetryable(response.StatusCode) || capture.Length > MaxStoredBodyBytes ||
                         context.Features.Get<Yarp.ReverseProxy.Forwarder.IForwarderErrorFeature>() is { Error: not Yarp.ReverseProxy.Forwarder.ForwarderError.None };
            if (failed)
            {
                // Only this attempt's own marker: if it outlived its time to live, a retry may hold the key by now (and
                // be at Genlook), and freeing that would let a third attempt spend a second credit.
                await store.DeleteIfHeldAsync(recordKey, inFlight, CancellationToken.None);
            }
            else
            {
                var record = new IdempotencyRecord(fingerprint, Done: true, response.StatusCode, response.ContentType, capture.ToArray());
                await store.SetIndexedAsync(StoreKeys.UserIndex(user.Pseudonym), recordKey, Serialize(record), Retention, CancellationToken.None);
            }
        }

        capture.Position = 0;
        await capture.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>
    /// An answer the app is told to retry is not the operation's outcome, so it is not kept: 5xx, <c>429</c>
    /// (RATE_LIMITED, "honour Retry-After"), <c>402</c> (QUOTA_EXCEEDED "usually transient", INSUFFICIENT_CREDITS "after
    /// top-up") and <c>408</c>. Kept, a retry after the back-off would get the stale refusal for 24 hours.
    /// </summary>
    internal static bool IsRetryable(int status) =>
        status >= 500 || status is StatusCodes.Status429TooManyRequests or StatusCodes.Status402PaymentRequired or StatusCodes.Status408RequestTimeout;

    private Task AnswerFromRecordAsync(HttpContext context, IdempotencyRecord existing, string fingerprint)
    {
        if (!string.Equals(existing.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            return GatewayErrorResponse.WriteAsync(context, GatewayErrors.IdempotencyKeyReused());
        }

        if (!existing.Done)
        {
            return GatewayErrorResponse.WriteAsync(context, GatewayErrors.IdempotencyKeyInUse());
        }

        metrics.Replayed(context.GetGatewayRoute()!);
        var response = context.Response;
        response.StatusCode = existing.Status;
        response.ContentType = existing.ContentType;
        response.Headers["Idempotent-Replayed"] = "true";
        var body = existing.Body ?? [];
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static byte[] Serialize(IdempotencyRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, IdempotencyJsonContext.Default.IdempotencyRecord);

    private static IdempotencyRecord? Deserialize(byte[] stored)
    {
        try
        {
            return JsonSerializer.Deserialize(stored, IdempotencyJsonContext.Default.IdempotencyRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
