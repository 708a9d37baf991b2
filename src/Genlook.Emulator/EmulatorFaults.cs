namespace Genlook.Emulator;

/// <summary>
/// Faults to inject, checked before authentication. A rule matches a method (<c>null</c> = any) and a path prefix
/// (<c>null</c> = any), optionally only <c>times</c> times; the first matching rule, in the order added, applies.
/// </summary>
public sealed class EmulatorFaults
{
    private readonly List<FaultRule> _rules = [];
    private readonly Lock _lock = new();

    /// <param name="after">How long to hold the request first (a Genlook that works on it, then fails).</param>
    public void FailWith(int status, string code = "INTERNAL_ERROR", string? pathPrefix = null, string? method = null, int? times = null, TimeSpan? after = null) =>
        Add(new FaultRule(FaultKind.Fail, pathPrefix, method, times) { Status = status, Code = code, Duration = after ?? TimeSpan.Zero });

    public void Delay(TimeSpan delay, string? pathPrefix = null, string? method = null, int? times = null) =>
        Add(new FaultRule(FaultKind.Delay, pathPrefix, method, times) { Duration = delay });

    public void ResetConnection(string? pathPrefix = null, string? method = null, int? times = null) =>
        Add(new FaultRule(FaultKind.Reset, pathPrefix, method, times));

    public void RejectKeys(int? times = null) => Add(new FaultRule(FaultKind.RejectKey, null, null, times));

    public void RateLimit(TimeSpan retryAfter, string? pathPrefix = null, string? method = null, int? times = null) =>
        Add(new FaultRule(FaultKind.RateLimit, pathPrefix, method, times) { Duration = retryAfter });

    /// <summary>
    /// Answers with exactly this status, headers and body (a malformed or non-JSON body, a <c>Retry-After</c> date), and
    /// then, per <paramref name="ending"/>, ends the response, resets the connection, or never sends the rest.
    /// </summary>
    public void Respond(int status, string body, string contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null,
        ResponseEnding ending = ResponseEnding.Complete, string? pathPrefix = null, string? method = null, int? times = null) =>
        Add(new FaultRule(FaultKind.Respond, pathPrefix, method, times)
        {
            Status = status, Body = body, ContentType = contentType, Headers = headers ?? new Dictionary<string, string>(), Ending = ending,
        });

    /// <summary>Rules not used up yet: a rule added with <c>times: 1</c> is gone once a request has reached the emulator.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _rules.Count;
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    /// <summary>The first rule that matches, consuming one of its uses.</summary>
    /// <param name="keyed">False for the signed result URLs: they carry no key, so a key rejection cannot apply.</param>
    internal FaultRule? Take(string method, string path, bool keyed)
    {
        lock (_lock)
        {
            foreach (var rule in _rules)
            {
                if ((keyed || rule.Kind != FaultKind.RejectKey) &&
                    (rule.Method is null || rule.Method.Equals(method, StringComparison.OrdinalIgnoreCase)) &&
                    (rule.PathPrefix is null || path.StartsWith(rule.PathPrefix, StringComparison.Ordinal)))
                {
                    if (rule.Remaining is { } remaining)
                    {
                        rule.Remaining = remaining - 1;
                        if (rule.Remaining == 0)
                        {
                            _rules.Remove(rule);
                        }
                    }

                    return rule;
                }
            }

            return null;
        }
    }

    private void Add(FaultRule rule)
    {
        if (rule.Remaining is <= 0)
        {
            return;
        }

        lock (_lock)
        {
            _rules.Add(rule);
        }
    }
}

internal enum FaultKind
{
    Fail,
    Delay,
    Reset,
    RejectKey,
    RateLimit,
    Respond,
}

/// <summary>How a <see cref="EmulatorFaults.Respond"/> answer ends.</summary>
public enum ResponseEnding
{
    /// <summary>The body as given, and the response ends.</summary>
    Complete,

    /// <summary>The headers announce twice the body's length; the body is sent, then the connection is reset.</summary>
    ResetMidBody,

    /// <summary>The headers announce twice the body's length; the body is sent, then nothing more until the client leaves.</summary>
    StallMidBody,
}

internal sealed class FaultRule(FaultKind kind, string? pathPrefix, string? method, int? times)
{
    public FaultKind Kind { get; } = kind;

    public string? PathPrefix { get; } = pathPrefix;

    public string? Method { get; } = method;

    public int? Remaining { get; set; } = times;

    public int Status { get; init; }

    public string Code { get; init; } = "INTERNAL_ERROR";

    public TimeSpan Duration { get; init; }

    public string Body { get; init; } = "";

    public string ContentType { get; init; } = "application/json";

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public ResponseEnding Ending { get; init; }
}
