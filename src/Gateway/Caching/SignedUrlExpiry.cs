using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Genlook.Gateway.Caching;

/// <summary>
/// When a signed URL stops working, from its own query: Google Cloud Storage V4 (<c>X-Goog-Date</c> +
/// <c>X-Goog-Expires</c>), AWS SigV4 (<c>X-Amz-Date</c> + <c>X-Amz-Expires</c>), or an absolute <c>Expires</c> (Unix
/// seconds: GCS V2, CloudFront canned policy), or a CloudFront custom <c>Policy</c>. Parameter names in any case; repeated or disagreeing expiries give the earliest.
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

        // Only beside Key-Pair-Id, as CloudFront sends it: a "policy" parameter of some other meaning says nothing.
        foreach (var policy in Values(query, "Key-Pair-Id").Count > 0 ? Values(query, "Policy") : [])
        {
            if (CloudFrontPolicyExpiry(policy) is not { } policyExpiry)
            {
                return DateTimeOffset.MinValue;
            }

            Consider(policyExpiry);
        }

        return earliest;
    }

    /// <summary>
    /// A CloudFront custom policy (<c>Policy</c>: JSON in base64 with <c>-</c>, <c>_</c>, <c>~</c> for <c>+</c>,
    /// <c>=</c>, <c>/</c>): its required <c>DateLessThan</c>, the earliest over its statements; <c>null</c> when unreadable.
    /// </summary>
    private static DateTimeOffset? CloudFrontPolicyExpiry(string? policy)
    {
        try
        {
            var json = Convert.FromBase64String((policy ?? string.Empty).Replace('-', '+').Replace('_', '=').Replace('~', '/'));
            using var document = System.Text.Json.JsonDocument.Parse(json);
            DateTimeOffset? earliest = null;
            foreach (var statement in document.RootElement.GetProperty("Statement").EnumerateArray())
            {
                var unix = statement.GetProperty("Condition").GetProperty("DateLessThan").GetProperty("AWS:EpochTime").GetInt64();
                var expiresAt = DateTimeOffset.FromUnixTimeSeconds(unix);
                earliest = earliest is null || expiresAt < earliest ? expiresAt : earliest;
            }

            return earliest;
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException or ArgumentOutOfRangeException)
        {
            return null;
        }
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
