using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace Genlook.Gateway.Caching;

/// <summary>
/// When a signed URL stops working, from its own query: Google Cloud Storage V4 (<c>X-Goog-Date</c> +
/// <c>X-Goog-Expires</c>), AWS SigV4 (<c>X-Amz-Date</c> + <c>X-Amz-Expires</c>), or an absolute <c>Expires</c> (Unix
/// seconds: GCS V2, CloudFront). <c>null</c> when the URL says nothing.
/// </summary>
public static class SignedUrlExpiry
{
    public static DateTimeOffset? Parse(string? url)
    {
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Query))
        {
            return null;
        }

        var query = QueryHelpers.ParseQuery(uri.Query);
        DateTimeOffset? earliest = null;
        void Consider(DateTimeOffset candidate) => earliest = earliest is null || candidate < earliest ? candidate : earliest;

        foreach (var (dateName, expiresName) in new[] { ("X-Goog-Date", "X-Goog-Expires"), ("X-Amz-Date", "X-Amz-Expires") })
        {
            if (TryGet(query, dateName, out var date) && TryGet(query, expiresName, out var expires) &&
                DateTimeOffset.TryParseExact(date, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt) &&
                long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                Consider(signedAt.AddSeconds(seconds));
            }
        }

        if (TryGet(query, "Expires", out var absolute) && long.TryParse(absolute, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
        {
            Consider(DateTimeOffset.FromUnixTimeSeconds(unix));
        }

        return earliest;
    }

    private static bool TryGet(Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query, string name, out string value)
    {
        foreach (var (key, values) in query)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase) && values.Count > 0)
            {
                value = values[0]!;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }
}
