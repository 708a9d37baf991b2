using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Genlook.Gateway.Benchmarks.Chaos;

internal enum Operation
{
    Read,
    Poll,
    TryOn,
    Upload,
    ProbeGeneration,
    ProbeImage,
}

/// <summary>No answer: the connection failed or closed, or the request timed out.</summary>
internal enum Failure
{
    None,
    Connection,
    Timeout,
}

/// <summary>One request: when (ms since the run started) it was sent and answered, to which instance, and the outcome.</summary>
internal readonly record struct RequestRecord(Operation Operation, int User, int Instance, double StartMs, double EndMs, int Status, string? Code, Failure Failure);

/// <summary>A user of the app: a token, and the generations and images the gateway handed to them (2xx only).</summary>
internal sealed class ChaosUser(int index, string token, bool hammer)
{
    private readonly Lock _lock = new();
    private readonly List<string> _generations = [];
    private readonly List<string> _images = [];
    private readonly Dictionary<string, string> _etags = [];

    public int Index { get; } = index;

    public string Token { get; } = token;

    /// <summary>Sends without pause so that the rate limits are reached.</summary>
    public bool Hammer { get; } = hammer;

    public void AddGeneration(string id)
    {
        lock (_lock)
        {
            _generations.Add(id);
        }
    }

    public void AddImage(string id)
    {
        lock (_lock)
        {
            _images.Add(id);
        }
    }

    public string? AnyGeneration(Random random)
    {
        lock (_lock)
        {
            // Mostly the recent ones, which are still PENDING/PROCESSING, as an app polls.
            return _generations.Count == 0 ? null : _generations[Math.Max(0, _generations.Count - 1 - random.Next(Math.Min(_generations.Count, 8)))];
        }
    }

    public string? AnyImage(Random random)
    {
        lock (_lock)
        {
            return _images.Count == 0 ? null : _images[random.Next(_images.Count)];
        }
    }

    public string? ETag(string id)
    {
        lock (_lock)
        {
            return _etags.GetValueOrDefault(id);
        }
    }

    public void SetETag(string id, string etag)
    {
        lock (_lock)
        {
            _etags[id] = etag;
        }
    }

    public (string[] Generations, string[] Images) Issued()
    {
        lock (_lock)
        {
            return ([.. _generations], [.. _images]);
        }
    }
}

/// <summary>
/// The mixed load: each ordinary user is a loop with think time (reads, polls of their own generations, try-ons by URL
/// or by their own uploaded image, uploads, a few cross-user probes); each hammer user runs several loops without
/// more than a short pause, across both instances, so that every per-user limit is reached. Bounded by a request count and a stop signal.
/// </summary>
internal sealed class ChaosLoad : IDisposable
{
    public const string Product = "shirt-42";

    // 1x1 PNG: the gateway and the emulator look at the signature only.
    private static readonly byte[] Png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private readonly HttpClient _client;
    private readonly Uri[] _instances;
    private readonly bool[] _inRotation;
    private readonly int[] _tryOnsInFlight;
    private readonly ChaosUser[] _users;
    private readonly long _maxRequests;
    private readonly long _t0 = Stopwatch.GetTimestamp();

    /// <summary>The wall-clock time of <see cref="NowMs"/> 0, to place the gateways' log lines in phases.</summary>
    public DateTime StartedUtc { get; } = DateTime.UtcNow;
    private readonly List<List<RequestRecord>> _recordsPerLoop = [];
    private long _sent;
    private volatile bool _stopping;

    public ChaosLoad(Uri[] instances, ChaosUser[] users, long maxRequests)
    {
        _instances = instances;
        _inRotation = [.. instances.Select(_ => true)];
        _tryOnsInFlight = new int[instances.Length];
        _users = users;
        _maxRequests = maxRequests;
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 512,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        { Timeout = RequestTimeout };
    }

    /// <summary>An answer later than this is counted as none (the gateway's own upstream timeout is 30 s).</summary>
    public static TimeSpan RequestTimeout { get; } = TimeSpan.FromSeconds(40);

    public double NowMs => Stopwatch.GetElapsedTime(_t0).TotalMilliseconds;

    public long Sent => Interlocked.Read(ref _sent);

    public bool CountReached => Sent >= _maxRequests;

    /// <summary>An instance out of rotation gets no new requests, as a load balancer would drain a dead backend.</summary>
    public void SetInRotation(int instance, bool value) => Volatile.Write(ref _inRotation[instance], value);

    public int TryOnsInFlight(int instance) => Volatile.Read(ref _tryOnsInFlight[instance]);

    public IReadOnlyList<RequestRecord> Records()
    {
        lock (_recordsPerLoop)
        {
            return [.. _recordsPerLoop.SelectMany(r => r).OrderBy(r => r.StartMs)];
        }
    }

    /// <summary>Runs every user's loops until <see cref="Stop"/> or the request count; in-flight requests finish (bounded by the timeout).</summary>
    public Task RunAsync()
    {
        var loops = new List<Task>();
        foreach (var user in _users)
        {
            for (var i = 0; i < (user.Hammer ? 3 : 1); i++)
            {
                var records = new List<RequestRecord>();
                lock (_recordsPerLoop)
                {
                    _recordsPerLoop.Add(records);
                }

                var seed = (user.Index * 31) + i;
                loops.Add(Task.Run(() => LoopAsync(user, records, new Random(seed))));
            }
        }

        return Task.WhenAll(loops);
    }

    public void Stop() => _stopping = true;

    private async Task LoopAsync(ChaosUser user, List<RequestRecord> records, Random random)
    {
        var next = random.Next(_instances.Length);
        while (!_stopping && Interlocked.Increment(ref _sent) <= _maxRequests)
        {
            next = (next + 1) % _instances.Length;
            var instance = PickInstance(next);
            var operation = user.Hammer ? HammerOperation(random) : UserOperation(random);
            var record = await SendAsync(user, operation, instance, random);
            lock (records)
            {
                records.Add(record);
            }

            // Ordinary users: 300–900 ms between requests, ~17 per 10 s, well inside every per-user limit. Hammer users:
            // 50–150 ms, ~30 requests/s each over 3 loops, several times every per-user limit.
            await Task.Delay(user.Hammer ? 50 + random.Next(100) : 300 + random.Next(600));
        }
    }

    private int PickInstance(int preferred)
    {
        for (var i = 0; i < _instances.Length; i++)
        {
            var candidate = (preferred + i) % _instances.Length;
            if (Volatile.Read(ref _inRotation[candidate]))
            {
                return candidate;
            }
        }

        return preferred;
    }

    private static Operation UserOperation(Random random) => random.Next(100) switch
    {
        < 33 => Operation.Read,
        < 66 => Operation.Poll,
        < 81 => Operation.TryOn,
        < 93 => Operation.Upload,
        < 97 => Operation.ProbeGeneration,
        _ => Operation.ProbeImage,
    };

    private static Operation HammerOperation(Random random) => random.Next(100) switch
    {
        < 40 => Operation.Read,
        < 75 => Operation.TryOn,
        _ => Operation.Upload,
    };

    private async Task<RequestRecord> SendAsync(ChaosUser user, Operation operation, int instance, Random random)
    {
        using var request = BuildRequest(user, ref operation, instance, random);
        var isTryOn = operation is Operation.TryOn or Operation.ProbeImage;
        if (isTryOn)
        {
            Interlocked.Increment(ref _tryOnsInFlight[instance]);
        }

        var start = NowMs;
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var body = await response.Content.ReadAsByteArrayAsync();
            var status = (int)response.StatusCode;
            string? code = null;
            if (status is >= 200 and < 300)
            {
                Remember(user, operation, request, response, body);
            }
            else if (status != 304)
            {
                code = ErrorCode(body);
            }

            return new RequestRecord(operation, user.Index, instance, start, NowMs, status, code, Failure.None);
        }
        catch (HttpRequestException)
        {
            return new RequestRecord(operation, user.Index, instance, start, NowMs, 0, null, Failure.Connection);
        }
        catch (TaskCanceledException)
        {
            return new RequestRecord(operation, user.Index, instance, start, NowMs, 0, null, Failure.Timeout);
        }
        catch (IOException)
        {
            return new RequestRecord(operation, user.Index, instance, start, NowMs, 0, null, Failure.Connection);
        }
        finally
        {
            if (isTryOn)
            {
                Interlocked.Decrement(ref _tryOnsInFlight[instance]);
            }
        }
    }

    private HttpRequestMessage BuildRequest(ChaosUser user, ref Operation operation, int instance, Random random)
    {
        var baseUri = _instances[instance];
        var other = _users[random.Next(_users.Length)];
        string? generation = operation switch
        {
            Operation.Poll => user.AnyGeneration(random),
            Operation.ProbeGeneration => other == user ? null : other.AnyGeneration(random),
            _ => null,
        };
        var foreignImage = operation == Operation.ProbeImage && other != user ? other.AnyImage(random) : null;

        // Nothing to poll or probe yet: a catalogue read instead.
        if ((operation is Operation.Poll or Operation.ProbeGeneration && generation is null) || (operation == Operation.ProbeImage && foreignImage is null))
        {
            operation = Operation.Read;
        }

        HttpRequestMessage request;
        switch (operation)
        {
            case Operation.Poll or Operation.ProbeGeneration:
                request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "/tryon/v1/generations/" + generation));
                if (operation == Operation.Poll && random.Next(2) == 0 && user.ETag(generation!) is { } etag)
                {
                    request.Headers.TryAddWithoutValidation("If-None-Match", etag);
                }

                break;
            case Operation.TryOn or Operation.ProbeImage:
                var image = operation == Operation.ProbeImage ? foreignImage : (random.Next(2) == 0 ? user.AnyImage(random) : null);
                request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "/tryon/v1/try-on")) { Content = TryOnBody(image) };
                break;
            case Operation.Upload:
                var form = new MultipartFormDataContent();
                var file = new ByteArrayContent(Png);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                form.Add(file, "file", "person.png");
                request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "/tryon/v1/images/upload")) { Content = form };
                break;
            default:
                request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "/tryon/v1/products/" + Product));
                break;
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        return request;
    }

    /// <summary>A canonical (1.4) try-on: by the given image id, or by URL.</summary>
    public static StringContent TryOnBody(string? imageId)
    {
        var person = imageId is null
            ? """{"image":{"source":{"url":"https://cdn.example.com/person.jpg"}}}"""
            : """{"image":{"source":{"id":""" + JsonSerializer.Serialize(imageId) + "}}}";
        return new StringContent($$$"""{"products":[{"externalId":"{{{Product}}}"}],"person":{{{person}}}}""", Encoding.UTF8, "application/json");
    }

    private static void Remember(ChaosUser user, Operation operation, HttpRequestMessage request, HttpResponseMessage response, byte[] body)
    {
        switch (operation)
        {
            case Operation.TryOn when Property(body, "generationId") is { } generation:
                user.AddGeneration(generation);
                break;
            case Operation.Upload when Property(body, "imageId") is { } image:
                user.AddImage(image);
                break;
            case Operation.Poll when response.Headers.ETag is { } etag:
                user.SetETag(request.RequestUri!.Segments[^1], etag.ToString());
                break;
        }
    }

    public static string? Property(byte[] body, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The contract's error <c>code</c>, or a marker when the body is not in the contract's shape.</summary>
    public static string ErrorCode(byte[] body) => Property(body, "code") ?? (body.Length == 0 ? "(empty body)" : "(not the error shape)");

    public static bool IsSuccess(int status) => status is >= 200 and < 300 or (int)HttpStatusCode.NotModified;

    public void Dispose() => _client.Dispose();
}
