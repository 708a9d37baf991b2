using Microsoft.Extensions.Options;

namespace Genlook.Gateway.RateLimiting;

/// <summary>Configuration section <c>RateLimiting</c> (CONTRACT §6).</summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>
    /// Policies by name: <c>tryon</c>, <c>uploads</c>, <c>reads</c> (each per user), <c>account</c> (shared by all
    /// users of a Genlook account, charged by try-ons) and <c>gdpr</c> (per user, charged by <c>DELETE /gdpr/me</c>).
    /// Defaults: tryon 10/min, uploads 20/min, reads 300/min, account 1000/hour, gdpr 10/hour.
    /// </summary>
    public Dictionary<string, RateLimitPolicyOptions> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>open</c> (serve with a per-instance limiter when Redis fails) or <c>closed</c> (<c>503</c>). Defaults to <c>open</c>.</summary>
    public RateLimitFailureMode FailureMode { get; set; } = RateLimitFailureMode.Open;

    /// <summary>How long a request waits for Redis before the failure mode applies. Defaults to 50 ms.</summary>
    public TimeSpan RedisBudget { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Once Redis is failing (half of the limiter's calls of the last 10 s failed or timed out, at least 10 calls), how
    /// long every request skips Redis before one probe tries again. At least 0.5 s. Defaults to 5 s.
    /// </summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often each instance tells Redis it is alive and reads how many are, so that the fallback grants each its
    /// share of a limit. An instance silent for three beats no longer counts. Defaults to 5 s.
    /// </summary>
    public TimeSpan InstanceHeartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often one background loop per instance pushes what its <c>local</c> policies admitted to Redis and reads the
    /// cluster-wide counts back, in one round trip. Defaults to 100 ms.
    /// </summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    public static readonly IReadOnlyDictionary<string, RateLimitPolicyOptions> Defaults = new Dictionary<string, RateLimitPolicyOptions>(StringComparer.OrdinalIgnoreCase)
    {
        [RateLimitPolicies.TryOn] = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), Mode = "exact" },
        [RateLimitPolicies.Uploads] = new() { PermitLimit = 20, Window = TimeSpan.FromMinutes(1), Mode = "exact" },
        [RateLimitPolicies.Reads] = new() { PermitLimit = 300, Window = TimeSpan.FromMinutes(1), Mode = "local" },
        [RateLimitPolicies.Account] = new() { PermitLimit = 1000, Window = TimeSpan.FromHours(1), Mode = "exact" },
        [RateLimitPolicies.Gdpr] = new() { PermitLimit = 10, Window = TimeSpan.FromHours(1), Mode = "exact" },
    };

    /// <summary>The configured policy, or its default.</summary>
    public RateLimitPolicyOptions Get(string name)
    {
        var fallback = Defaults[name];
        return Policies.TryGetValue(name, out var configured)
            ? new RateLimitPolicyOptions
            {
                PermitLimit = configured.PermitLimit ?? fallback.PermitLimit,
                Window = configured.Window ?? fallback.Window,
                Mode = configured.Mode ?? fallback.Mode,
            }
            : fallback;
    }
}

/// <summary>One policy: <see cref="PermitLimit"/> requests in any sliding <see cref="Window"/> (a burst may use them all).</summary>
public sealed class RateLimitPolicyOptions
{
    /// <summary>Requests per window; a burst may use them all at once. Unset: the policy's default.</summary>
    public int? PermitLimit { get; set; }

    /// <summary>The window, a TimeSpan such as <c>00:01:00</c>. Unset: the policy's default.</summary>
    public TimeSpan? Window { get; set; }

    /// <summary>
    /// <c>exact</c> (one shared decision in Redis per request) or <c>local</c> (decided in-process, synced in the
    /// background). Unset: the policy's default. A string, not the enum: the binder would take any number as an enum
    /// and, inside the policy dictionary, quietly skip a word it cannot convert; the validator names both instead.
    /// </summary>
    public string? Mode { get; set; }

    /// <summary>The mode; only meaningful once the options have been validated.</summary>
    public RateLimitMode EffectiveMode => string.Equals(Mode, "local", StringComparison.OrdinalIgnoreCase) ? RateLimitMode.Local : RateLimitMode.Exact;

    /// <summary>True for <c>exact</c>, <c>local</c> (any case) and unset.</summary>
    internal bool HasValidMode => Mode is null || string.Equals(Mode, "exact", StringComparison.OrdinalIgnoreCase) || string.Equals(Mode, "local", StringComparison.OrdinalIgnoreCase);
}

/// <summary>How a policy decides (CONTRACT §6).</summary>
public enum RateLimitMode
{
    /// <summary>One shared decision in Redis per request: never more than the limit across instances.</summary>
    Exact,

    /// <summary>Decided in-process; admissions are pushed and cluster-wide counts read back every <c>SyncInterval</c>.</summary>
    Local,
}

public enum RateLimitFailureMode
{
    Open,
    Closed,
}

public static class RateLimitPolicies
{
    public const string TryOn = "tryon";
    public const string Uploads = "uploads";
    public const string Reads = "reads";
    public const string Account = "account";

    /// <summary>
    /// Self-service erasure: each <c>DELETE /gdpr/me</c> stores a job kept for the audit retention and calls every
    /// Genlook account, so a looping client must not be able to repeat it without bound. One request is all a user needs.
    /// </summary>
    public const string Gdpr = "gdpr";

    public static readonly string[] All = [TryOn, Uploads, Reads, Account, Gdpr];
}

internal sealed class RateLimitingOptionsValidator : IValidateOptions<RateLimitingOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitingOptions options)
    {
        var errors = new List<string>();
        foreach (var (policy, settings) in options.Policies)
        {
            if (!RateLimitPolicies.All.Contains(policy, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"RateLimiting:Policies:{policy} is not a policy; use one of {string.Join(", ", RateLimitPolicies.All)}.");
            }

            if (settings.PermitLimit is < 1)
            {
                errors.Add($"RateLimiting:Policies:{policy}:PermitLimit must be at least 1.");
            }

            if (settings.Window is { } window && window < TimeSpan.FromSeconds(1))
            {
                errors.Add($"RateLimiting:Policies:{policy}:Window must be a TimeSpan of at least 00:00:01.");
            }

            if (!settings.HasValidMode)
            {
                errors.Add($"RateLimiting:Policies:{policy}:Mode must be 'exact' or 'local', not '{settings.Mode}'.");
            }
        }

        // A try-on charges its user's budget and the account's in one all-or-none decision, so both decide the same way.
        if (SafeMode(options, RateLimitPolicies.TryOn) is { } tryOn && SafeMode(options, RateLimitPolicies.Account) is { } account && tryOn != account)
        {
            errors.Add($"RateLimiting:Policies:tryon:Mode and RateLimiting:Policies:account:Mode must be the same (a try-on charges both at once); they are '{tryOn.ToString().ToLowerInvariant()}' and '{account.ToString().ToLowerInvariant()}'.");
        }

        if (options.SyncInterval < TimeSpan.FromMilliseconds(10) || options.SyncInterval > TimeSpan.FromSeconds(10))
        {
            errors.Add("RateLimiting:SyncInterval must be between 00:00:00.010 and 00:00:10.");
        }

        if (options.RedisBudget <= TimeSpan.Zero || options.RedisBudget > TimeSpan.FromSeconds(5))
        {
            errors.Add("RateLimiting:RedisBudget must be between 00:00:00.001 and 00:00:05.");
        }

        // Polly's circuit breaker takes no shorter break.
        if (options.BreakDuration < TimeSpan.FromSeconds(0.5) || options.BreakDuration > TimeSpan.FromHours(1))
        {
            errors.Add("RateLimiting:BreakDuration must be between 00:00:00.5 and 01:00:00.");
        }

        if (options.InstanceHeartbeat < TimeSpan.FromMilliseconds(100) || options.InstanceHeartbeat > TimeSpan.FromMinutes(1))
        {
            errors.Add("RateLimiting:InstanceHeartbeat must be between 00:00:00.1 and 00:01:00.");
        }

        // The binder turns any number into the enum: "2" would quietly act as open.
        if (!Enum.IsDefined(options.FailureMode))
        {
            errors.Add("RateLimiting:FailureMode must be 'open' or 'closed'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static RateLimitMode? SafeMode(RateLimitingOptions options, string policy)
    {
        var configured = options.Policies.TryGetValue(policy, out var set) && set.Mode is not null ? set : RateLimitingOptions.Defaults[policy];
        return configured.HasValidMode ? configured.EffectiveMode : null;
    }
}
