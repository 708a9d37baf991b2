using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>Tokens as an IdP would mint them, for the test signing key the gateway is configured with.</summary>
public static class TestTokens
{
    public const string Issuer = "https://idp.test";
    public const string Audience = "genlook-gateway-tests";
    public static readonly byte[] SigningKey = "test-signing-key-0123456789-abcdefghijklmnop-XYZ!"u8.ToArray();
    public static readonly string SigningKeyBase64 = Convert.ToBase64String(SigningKey);

    public static string For(string subject, string? scope = null, string? account = null, DateTime? expires = null,
        string issuer = Issuer, string audience = Audience, byte[]? key = null, IDictionary<string, object>? extraClaims = null)
    {
        var claims = new Dictionary<string, object>();
        if (subject.Length > 0)
        {
            claims["sub"] = subject;
        }

        if (scope is not null)
        {
            claims["scope"] = scope;
        }

        if (account is not null)
        {
            claims["genlook_account"] = account;
        }

        foreach (var (name, value) in extraClaims ?? new Dictionary<string, object>())
        {
            claims[name] = value;
        }

        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = exp < now ? exp.AddMinutes(-10) : now,
            NotBefore = exp < now ? exp.AddMinutes(-10) : now,
            Expires = exp,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>An unsigned token (<c>alg: none</c>) claiming to be <paramref name="subject"/>.</summary>
    public static string WithoutSignature(string subject)
    {
        static string B64(string json) => Base64UrlEncoder.Encode(json);
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        return B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." +
               B64($"{{\"sub\":\"{subject}\",\"iss\":\"{Issuer}\",\"aud\":\"{Audience}\",\"exp\":{exp}}}") + ".";
    }

    /// <summary>
    /// The <c>externalUserId</c> the gateway must send for <paramref name="subject"/>, from its definition (docs/api.md):
    /// the first 128 bits of HMAC-SHA256(<c>Attribution:Key</c>, <c>sub</c>), base64url without padding. Computed here, not
    /// by the gateway's generator, so that a broken generator fails the tests.
    /// </summary>
    public static string PseudonymOf(string subject, string attributionKey = GatewayApp.AttributionKey)
    {
        var hash = HMACSHA256.HashData(Encoding.UTF8.GetBytes(attributionKey), Encoding.UTF8.GetBytes(subject));
        return Convert.ToBase64String(hash, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
