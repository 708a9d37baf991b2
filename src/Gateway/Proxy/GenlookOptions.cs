using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Proxy;

/// <summary>Configuration section <c>Genlook</c>: the upstream Genlook accounts (CONTRACT §9).</summary>
public sealed class GenlookOptions
{
    public const string SectionName = "Genlook";

    /// <summary>The Genlook base URL used when an account sets none. Defaults to <c>https://api.genlook.app</c>.</summary>
    public const string DefaultBaseUrl = "https://api.genlook.app";

    /// <summary>Genlook accounts by name (<c>Genlook:Accounts:&lt;name&gt;</c>). At least one is required.</summary>
    public Dictionary<string, GenlookAccountOptions> Accounts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The account used when the token names none. Defaults to the only account; required when there are several.</summary>
    public string? DefaultAccount { get; set; }

    /// <summary>Optional token claim whose value names the account to use for a request. Defaults to none.</summary>
    public string? AccountClaim { get; set; }

    /// <summary>How long one upstream call may stay silent before <c>504 UPSTREAM_TIMEOUT</c>. Defaults to 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The built-in emulator (<c>Genlook:Emulator</c>), the embedded upstream of Development.</summary>
    public GenlookEmulatorOptions Emulator { get; set; } = new();

    /// <summary>The name of the account used when a request names none.</summary>
    public string ResolveDefaultAccountName() =>
        string.IsNullOrWhiteSpace(DefaultAccount) ? Accounts.Keys.First() : DefaultAccount;

    /// <summary>The upstream base URL of an account: its own, else the emulator when it runs, else Genlook's.</summary>
    public Uri ResolveBaseUrl(GenlookAccountOptions account) =>
        new(account.BaseUrl ?? (Emulator.Enabled ? Emulator.Url : DefaultBaseUrl));
}

/// <summary>One Genlook account: where it lives and the key that spends its credits.</summary>
public sealed class GenlookAccountOptions
{
    /// <summary>Upstream base URL, scheme and host only. Defaults to <c>https://api.genlook.app</c> (or the emulator when it runs).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The account's <c>x-api-key</c>. Required outside Development.</summary>
    public string? ApiKey { get; set; }
}

/// <summary>The in-process Genlook emulator (<c>Genlook:Emulator</c>). Enabled by the Development defaults.</summary>
public sealed class GenlookEmulatorOptions
{
    /// <summary>Start the emulator inside the gateway process. Defaults to <c>false</c> (<c>true</c> in Development).</summary>
    public bool Enabled { get; set; }

    /// <summary>Loopback URL the emulator listens on. Defaults to <c>http://127.0.0.1:5180</c>.</summary>
    public string Url { get; set; } = "http://127.0.0.1:5180";
}

/// <summary>Checks every rule at once so a bad configuration names every key that is wrong.</summary>
internal sealed class GenlookOptionsValidator(IHostEnvironment environment) : IValidateOptions<GenlookOptions>
{
    public ValidateOptionsResult Validate(string? name, GenlookOptions options)
    {
        var errors = new List<string>();
        if (options.Accounts.Count == 0)
        {
            errors.Add("Genlook:Accounts must name at least one account (Genlook:Accounts:<name>:ApiKey).");
        }

        foreach (var (accountName, account) in options.Accounts)
        {
            if (string.IsNullOrWhiteSpace(account.ApiKey) && !environment.IsDevelopment())
            {
                errors.Add($"Genlook:Accounts:{accountName}:ApiKey is required.");
            }

            if (account.BaseUrl is { } url &&
                (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.AbsolutePath != "/"))
            {
                errors.Add($"Genlook:Accounts:{accountName}:BaseUrl must be an absolute http(s) URL with no path, e.g. https://api.genlook.app (got '{url}').");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.DefaultAccount) && !options.Accounts.ContainsKey(options.DefaultAccount))
        {
            errors.Add($"Genlook:DefaultAccount '{options.DefaultAccount}' names no account under Genlook:Accounts.");
        }
        else if (string.IsNullOrWhiteSpace(options.DefaultAccount) && options.Accounts.Count > 1)
        {
            // Configuration keys have no order (the binder sorts them), so "the first account" would silently be the
            // alphabetically first one, and spend its credits.
            errors.Add($"Genlook:DefaultAccount is required when several accounts are configured; name one of: {string.Join(", ", options.Accounts.Keys.Order(StringComparer.OrdinalIgnoreCase))}.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            errors.Add("Genlook:Timeout must be a positive TimeSpan such as 00:00:30.");
        }

        if (options.Emulator.Enabled && !Uri.TryCreate(options.Emulator.Url, UriKind.Absolute, out _))
        {
            errors.Add($"Genlook:Emulator:Url must be an absolute URL (got '{options.Emulator.Url}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
