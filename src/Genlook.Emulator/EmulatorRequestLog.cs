using System.Collections.Concurrent;

namespace Genlook.Emulator;

/// <summary>Every request the emulator received, with what it answered: tests assert on what Genlook saw.</summary>
public sealed class EmulatorRequestLog
{
    private const int Capacity = 10_000;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public IReadOnlyList<RecordedRequest> All => _requests.ToArray();

    public int Count => _requests.Count;

    public IReadOnlyList<RecordedRequest> Matching(string method, string pathPrefix) =>
        _requests.Where(r => r.Method.Equals(method, StringComparison.OrdinalIgnoreCase) && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal)).ToArray();

    public void Clear() => _requests.Clear();

    internal void Add(RecordedRequest request)
    {
        _requests.Enqueue(request);
        while (_requests.Count > Capacity && _requests.TryDequeue(out _))
        {
        }
    }
}

/// <summary>One request as the emulator received it.</summary>
/// <param name="Headers">All headers, lower-case names.</param>
/// <param name="JsonBody">The JSON body, or the multipart <c>data</c> field.</param>
/// <param name="Parts">Multipart parts, in order.</param>
public sealed record RecordedRequest(
    DateTimeOffset At, string Method, string Path, string QueryString, IReadOnlyDictionary<string, string> Headers,
    string? ContentType, string? JsonBody, IReadOnlyList<RecordedPart> Parts, int StatusCode);

/// <summary>One multipart part: files by length and hash, text fields by value.</summary>
public sealed record RecordedPart(string Name, string? FileName, string? ContentType, long Length, string Sha256Hex, string? Value);
