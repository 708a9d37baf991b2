using System.Net.Http.Headers;
using System.Text;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>
/// A watch as an app opens it (<c>Accept: text/event-stream</c>), read line by line so the test sees everything the
/// gateway sent: events, comments (heartbeats) and bare <c>retry:</c> fields. Every read is bounded.
/// </summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _life = new(TimeSpan.FromSeconds(60));

    private EventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body, Encoding.UTF8);
    }

    public HttpResponseMessage Response => _response;

    /// <summary>Comment lines seen so far (without the colon).</summary>
    public List<string> Comments { get; } = [];

    /// <summary>Bare <c>retry:</c> values seen so far.</summary>
    public List<string> Retries { get; } = [];

    public bool Ended { get; private set; }

    /// <summary>Opens the watch; returns the stream, or <c>null</c> with the response when it was not a stream (an error).</summary>
    public static async Task<(EventStream? Stream, HttpResponseMessage Response)> OpenAsync(HttpClient client, string generationId, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/tryon/v1/generations/{generationId}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var opening = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, opening.Token);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return (null, response);
        }

        return (new EventStream(response, await response.Content.ReadAsStreamAsync()), response);
    }

    /// <summary>The next event (comments and <c>retry:</c> are recorded on the way), or <c>null</c> when the stream ended.</summary>
    public async Task<SseEvent?> NextEventAsync(TimeSpan? timeout = null)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_life.Token);
        bound.CancelAfter(timeout ?? TimeSpan.FromSeconds(20));
        string? id = null, type = null;
        var data = new StringBuilder();
        var any = false;
        while (true)
        {
            var line = await _reader.ReadLineAsync(bound.Token);
            if (line is null)
            {
                Ended = true;
                return any ? new SseEvent(id, type ?? "message", data.ToString()) : null;
            }

            if (line.Length == 0)
            {
                if (any)
                {
                    return new SseEvent(id, type ?? "message", data.ToString());
                }

                continue;
            }

            if (line[0] == ':')
            {
                Comments.Add(line[1..].Trim());
                continue;
            }

            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; any = true; break;
                case "event": type = value; any = true; break;
                case "data": data.Append(data.Length > 0 ? "\n" : string.Empty).Append(value); any = true; break;
                case "retry": Retries.Add(value); break;
            }
        }
    }

    /// <summary>Reads events until the stream ends (bounded); returns them.</summary>
    public async Task<List<SseEvent>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var events = new List<SseEvent>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline && await NextEventAsync(deadline - DateTime.UtcNow) is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await _life.CancelAsync();
        _reader.Dispose();
        _response.Dispose();
        _life.Dispose();
    }
}

/// <summary>One Server-Sent Event.</summary>
public sealed record SseEvent(string? Id, string Type, string Data)
{
    public string? Status => System.Text.Json.JsonDocument.Parse(Data).RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
}
