using System.Net;
using Genlook.Gateway.Proxy;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Caching;

/// <summary>
/// The watch poller's one upstream call: <c>GET /tryon/v1/generations/{id}</c> on the account's Genlook with its key, as
/// the proxy would send it (only <c>Accept</c> and the key; the account is the one identity resolved for the watcher).
/// Not through the proxy pipeline: the poll has no app request to forward, and the ownership check already ran for
/// the watch that started it. One pooled client for every poll.
/// </summary>
internal sealed class GenlookStatusClient : IDisposable
{
    private const int MaxBodyBytes = 256 * 1024;
    private readonly IOptions<GenlookOptions> _options;
    private readonly HttpClient _client;

    public GenlookStatusClient(IOptions<GenlookOptions> options)
    {
        _options = options;
        _client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            AllowAutoRedirect = false,
        })
        {
            Timeout = options.Value.Timeout,
            MaxResponseContentBufferSize = MaxBodyBytes,
        };
    }

    /// <summary>Genlook's answer (status code and body), or <c>null</c> when it could not be reached or was too slow.</summary>
    public async Task<(int Status, byte[] Body)?> GetStatusAsync(string account, string generationId, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        if (!options.Accounts.TryGetValue(account, out var settings))
        {
            return null;
        }

        var uri = new Uri(options.ResolveBaseUrl(settings), "/tryon/v1/generations/" + Uri.EscapeDataString(generationId));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        if (settings.ApiKey is { Length: > 0 } key)
        {
            request.Headers.TryAddWithoutValidation(UpstreamHeadersTransformProvider.ApiKeyHeader, key);
        }

        try
        {
            using var response = await _client.SendAsync(request, cancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null; // unreachable, reset, too slow, or a body over the limit: the next interval asks again
        }
    }

    public void Dispose() => _client.Dispose();
}
