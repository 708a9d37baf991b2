using Genlook.Gateway.Proxy;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Caching;

/// <summary>
/// The watch poller's one upstream call: <c>GET /tryon/v1/generations/{id}</c> on the account's Genlook with its key, as
/// the proxy would send it (only <c>Accept</c> and the key; the account is the one identity resolved for the watcher).
/// Not through the proxy pipeline: the poll has no app request to forward, and the ownership check already ran for
/// the watch that started it. Its HttpClient is the factory's named client (configured in AddGatewayCaching).
/// </summary>
internal sealed class GenlookStatusClient(IHttpClientFactory clients, IOptions<GenlookOptions> options)
{
    public const string HttpClientName = "genlook-status";

    /// <summary>A status body is small; anything larger is refused by the client, not buffered.</summary>
    internal const int MaxBodyBytes = 256 * 1024;

    /// <summary>Genlook's answer (status code and body), or <c>null</c> when it could not be reached or was too slow.</summary>
    public async Task<(int Status, byte[] Body)?> GetStatusAsync(string account, string generationId, CancellationToken cancellationToken)
    {
        var genlook = options.Value;
        if (!genlook.Accounts.TryGetValue(account, out var settings))
        {
            return null;
        }

        var uri = new Uri(genlook.ResolveBaseUrl(settings), "/tryon/v1/generations/" + Uri.EscapeDataString(generationId));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        if (settings.ApiKey is { Length: > 0 } key)
        {
            request.Headers.TryAddWithoutValidation(UpstreamHeadersTransformProvider.ApiKeyHeader, key);
        }

        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null; // unreachable, reset, too slow, or a body over the limit: the next interval asks again
        }
    }
}
