using System.Net.Http.Headers;

namespace Genlook.Gateway.Benchmarks.Chaos;

/// <summary>Of the ids of one kind handed out by a 2xx: how many their owner can still use, how many are gone, and how many could not be checked.</summary>
internal sealed record OwnershipTally(string Kind, int Issued, int Readable, int Lost, int Unchecked, string Failures);

/// <summary>
/// After the load: every generation id and image id a 2xx handed to a user is used by that user once more, through a
/// fresh instance (the records must be in the shared store, not in a live instance's memory) whose limits are lifted
/// so that the check is not throttled: <c>GET /generations/{id}</c> must answer 200, a try-on naming the image 2xx.
/// </summary>
internal static class OwnershipCheck
{
    public static async Task<OwnershipTally[]> RunAsync(Uri gateway, ChaosUser[] users, TimeSpan bound, CancellationToken ct)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(20) };
        var items = users.SelectMany(u =>
        {
            var (generations, images) = u.Issued();
            return generations.Select(id => (User: u, Kind: "generation", Id: id)).Concat(images.Select(id => (User: u, Kind: "image", Id: id)));
        }).ToArray();
        var outcomes = new string?[items.Length];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(bound);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, items.Length), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = timeout.Token }, async (i, token) =>
            {
                var (user, kind, id) = items[i];

                // A transient failure (5xx, connection) is retried; a 404/403 is an answer.
                for (var attempt = 0; attempt < 3; attempt++)
                {
                    outcomes[i] = await CheckAsync(client, user, kind, id, token);
                    if (outcomes[i] is "ok" or "404 GENERATION_NOT_FOUND" or "403 FORBIDDEN")
                    {
                        break;
                    }

                    await Task.Delay(500, token);
                }
            });
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The time bound: what was not reached is reported as unchecked.
        }

        return [.. new[] { "generation", "image" }.Select(kind =>
        {
            var mine = Enumerable.Range(0, items.Length).Where(i => items[i].Kind == kind).Select(i => outcomes[i]).ToArray();
            var lost = mine.Count(o => o is "404 GENERATION_NOT_FOUND" or "403 FORBIDDEN");
            var failures = string.Join(", ", mine.Where(o => o is not "ok").GroupBy(o => o ?? "not reached (time bound)").Select(g => $"{g.Key} ×{g.Count()}"));
            return new OwnershipTally(kind, mine.Length, mine.Count(o => o == "ok"), lost, mine.Length - lost - mine.Count(o => o == "ok"), failures);
        })];
    }

    private static async Task<string> CheckAsync(HttpClient client, ChaosUser user, string kind, string id, CancellationToken ct)
    {
        using var request = kind == "generation"
            ? new HttpRequestMessage(HttpMethod.Get, "/tryon/v1/generations/" + id)
            : new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/try-on") { Content = ChaosLoad.TryOnBody(id) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        try
        {
            using var response = await client.SendAsync(request, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300 ? "ok" : $"{status} {ChaosLoad.ErrorCode(body)}";
        }
        catch (HttpRequestException)
        {
            return "no answer";
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return "no answer";
        }
    }
}
