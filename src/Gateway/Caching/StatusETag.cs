using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Genlook.Gateway.Caching;

/// <summary>
/// The strong <c>ETag</c> of a status body: a hash of its bytes, so every instance derives the same tag for the same
/// status without sharing anything, and it changes whenever the body does. Also the watch stream's event id.
/// </summary>
internal static class StatusETag
{
    /// <summary>The opaque version (16 hex digits of SHA-256), without quotes: the SSE event id.</summary>
    public static string Version(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    public static string FromVersion(string version) => "\"" + version + "\"";

    /// <summary>RFC 9110 §13.1.2: weak comparison of <c>If-None-Match</c> against <paramref name="etag"/> (<c>*</c> matches any).</summary>
    public static bool NoneMatchHits(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch;
        if (header.Count == 0 || !EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(etag);
        foreach (var tag in tags)
        {
            if (tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false))
            {
                return true;
            }
        }

        return false;
    }
}
