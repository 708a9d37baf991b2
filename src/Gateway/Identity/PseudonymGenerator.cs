using System.Buffers;
using System.Collections.Concurrent;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Identity;

/// <summary>
/// A user's <c>externalUserId</c>: the first 128 bits of HMAC-SHA256(<c>Attribution:Key</c>, <c>sub</c>), base64url
/// (22 characters, safe as a path segment). Keyed so that nobody without the key can link it back to the subject,
/// stable across instances and restarts, and distinct per user.
/// Recent subjects are remembered (an app sends many requests per user): a lookup instead of an HMAC per request,
/// in a map of at most <see cref="MaxRemembered"/> entries that starts over when full.
/// </summary>
public sealed class PseudonymGenerator
{
    private const int PseudonymBytes = 16;
    internal const int MaxRemembered = 100_000;
    private readonly byte[] _key;
    private readonly ConcurrentDictionary<string, string> _recent = new(StringComparer.Ordinal);
    private int _remembered;

    public PseudonymGenerator(IOptions<AttributionOptions> options) => _key = Encoding.UTF8.GetBytes(options.Value.Key);

    public string For(string subject)
    {
        if (_recent.TryGetValue(subject, out var known))
        {
            return known;
        }

        var pseudonym = Compute(subject);
        if (Interlocked.Increment(ref _remembered) > MaxRemembered)
        {
            _recent.Clear();
            Interlocked.Exchange(ref _remembered, 0);
        }

        _recent.TryAdd(subject, pseudonym);
        return pseudonym;
    }

    private string Compute(string subject)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(subject.Length);
        var rented = maxBytes <= 512 ? null : ArrayPool<byte>.Shared.Rent(maxBytes);
        Span<byte> input = rented ?? stackalloc byte[512];
        try
        {
            var length = Encoding.UTF8.GetBytes(subject, input);
            Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, input[..length], hash);
            return Base64Url.EncodeToString(hash[..PseudonymBytes]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
