using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Genlook.Gateway.Caching;

/// <summary>
/// When a signed URL stops working, from its own query: Google Cloud Storage V4 (<c>X-Goog-Date</c> +
/// <c>X-Goog-Expires</c>), AWS SigV4 (<c>X-Amz-Date</c> + <c>X-Amz-Expires</c>), or an absolute <c>Expires</c> (Unix
/// seconds: GCS V2, CloudFront). Parameter names in any case; repeated or disagreeing expiries give the earliest.
/// <c>null</c> when the URL says nothing; <see cref="DateTimeOffset.MinValue"/> (already expired) when it carries an
/// expiry that cannot be read (malformed, negative, out of range, half of a pair): the URL may expire any moment.
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
            var dates = Values(query, dateName);
            var lifetimes = Values(query, expiresName);
            if (dates.Count == 0 && lifetimes.Count == 0)
            {
                continue;
            }

            if (dates.Count == 0 || lifetimes.Count == 0)
            {
                return DateTimeOffset.MinValue;
            }

            foreach (var date in dates)
            {
                foreach (var lifetime in lifetimes)
                {
                    if (!DateTimeOffset.TryParseExact(date, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt) ||
                        !long.TryParse(lifetime, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
                        seconds > (DateTimeOffset.MaxValue - signedAt).TotalSeconds)
                    {
                        return DateTimeOffset.MinValue;
                    }

                    Consider(signedAt.AddSeconds(seconds));
                }
            }
        }

        foreach (var absolute in Values(query, "Expires"))
        {
            if (!long.TryParse(absolute, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) ||
                unix > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                return DateTimeOffset.MinValue;
            }

            Consider(DateTimeOffset.FromUnixTimeSeconds(unix));
        }

        return earliest;
    }

    /// <summary>Every value of <paramref name="name"/>, in any case (<c>Expires=…&amp;expires=…</c> are both read).</summary>
    private static List<string?> Values(Dictionary<string, StringValues> query, string name)
    {
        var values = new List<string?>();
        foreach (var (key, value) in query)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                values.AddRange(value);
            }
        }

        return values;
    }
}
