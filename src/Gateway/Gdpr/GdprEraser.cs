using System.Net;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Gdpr;

/// <summary>
/// Erases one pseudonym from one target: <c>DELETE /tryon/v1/customers/{pseudonym}</c> on a Genlook account (its key,
/// through a resilient HttpClient: per-attempt timeout, retries with jittered backoff, a circuit breaker per host), or
/// everything the gateway holds for it (ownership records, cached statuses, idempotency records via the user's index;
/// then the copies in every instance's memory, through <see cref="IErasureBroadcast"/>). Rate-limit logs are left to
/// expire with their windows (CONTRACT §6: an erase does not give a fresh budget); they hold admission times only. Returns <c>null</c> on success, else a short error for the job record.
/// </summary>
internal sealed class GdprEraser(IHttpClientFactory clients, IOptions<GenlookOptions> genlook, IGatewayStore store, IErasureBroadcast erasures)
{
    public const string HttpClientName = "genlook-gdpr";

    public async Task<string?> EraseAsync(string target, string pseudonym, CancellationToken cancellationToken)
    {
        try
        {
            return target == GdprJob.StoreTarget
                ? await EraseGatewayStoreAsync(pseudonym, cancellationToken)
                : await EraseAtGenlookAsync(target["genlook:".Length..], pseudonym, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException or StoreUnavailableException
                                       or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
        {
            return ex.GetType().Name + (ex is StoreUnavailableException ? "" : $": {ex.Message}");
        }
    }

    private async Task<string?> EraseAtGenlookAsync(string account, string pseudonym, CancellationToken cancellationToken)
    {
        var options = genlook.Value;
        if (!options.Accounts.TryGetValue(account, out var settings))
        {
            return $"Account '{account}' is no longer configured.";
        }

        var uri = new Uri(options.ResolveBaseUrl(settings), "/tryon/v1/customers/" + Uri.EscapeDataString(pseudonym));
        using var request = new HttpRequestMessage(HttpMethod.Delete, uri);
        request.Headers.TryAddWithoutValidation(UpstreamHeadersTransformProvider.ApiKeyHeader, settings.ApiKey);
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);

        // 204 is done; 404 means there was nothing (or it is already gone): also done.
        return response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK or HttpStatusCode.NotFound
            ? null
            : $"Genlook answered {(int)response.StatusCode}.";
    }

    private async Task<string?> EraseGatewayStoreAsync(string pseudonym, CancellationToken cancellationToken)
    {
        var index = StoreKeys.UserIndex(pseudonym);
        var keys = new List<string>(await store.GetIndexAsync(index, cancellationToken)) { index };
        await store.DeleteAsync(keys, cancellationToken);

        // After the store: an instance that forgets and then reads again finds nothing to remember.
        await erasures.PublishAsync(pseudonym, cancellationToken);
        return null;
    }
}
