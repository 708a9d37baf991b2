using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Hosting;

/// <summary>Configuration section <c>Cors</c>: the browser origins (SPAs) allowed to call the gateway (CONTRACT §9).</summary>
public sealed class GatewayCorsOptions
{
    public const string SectionName = "Cors";

    /// <summary>
    /// Origins as browsers send them, <c>scheme://host[:port]</c> (no path, no trailing slash), as a list
    /// (<c>Cors:AllowedOrigins:0</c>, <c>Cors__AllowedOrigins__0</c>). Defaults to none: no browser app is allowed.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>
/// CORS compares origins as strings, so a misspelt one does not fail: it never matches, and the SPA is refused with
/// nothing in the gateway's logs. Refused at start-up instead, naming the key.
/// </summary>
internal sealed class GatewayCorsOptionsValidator(IConfiguration configuration) : IValidateOptions<GatewayCorsOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayCorsOptions options)
    {
        var errors = new List<string>();

        // The binder reads a list from numbered children only: a single string (Cors__AllowedOrigins=https://…)
        // would silently mean "no origin".
        if (!string.IsNullOrWhiteSpace(configuration[$"{GatewayCorsOptions.SectionName}:{nameof(options.AllowedOrigins)}"]))
        {
            errors.Add("Cors:AllowedOrigins is a list: set each origin under its own index, Cors:AllowedOrigins:0, :1, … (environment: Cors__AllowedOrigins__0=https://app.example.com).");
        }

        for (var i = 0; i < options.AllowedOrigins.Length; i++)
        {
            var origin = options.AllowedOrigins[i];
            if (origin != "*" && !IsOrigin(origin))
            {
                errors.Add($"Cors:AllowedOrigins:{i} must be an origin as browsers send it, scheme://host[:port] with no path or trailing slash, e.g. https://app.example.com (got '{origin}').");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) &&
        uri.UserInfo.Length == 0 && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 &&
        !value.EndsWith('/');
}
