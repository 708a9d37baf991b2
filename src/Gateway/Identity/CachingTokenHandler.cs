using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Identity;

/// <summary>
/// Remembers tokens that validated, so an app's next request with the same token skips the signature check and the
/// JSON parsing (a good third of the gateway's own CPU per request). A hit is a copy of the original result, valid
/// until the token expires or <see cref="MaxAge"/> passes, whichever comes first; failures are never remembered.
/// Hand-written because neither ASP.NET Core nor Microsoft.IdentityModel offers a validation cache.
/// The price: a signing key revoked at the IdP keeps its tokens valid here for up to <see cref="MaxAge"/>.
/// </summary>
internal sealed class CachingTokenHandler(TokenHandler inner, TimeProvider time) : TokenHandler
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private readonly MemoryCache _validated = new(new MemoryCacheOptions { SizeLimit = 20_000 });

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow();
        if (_validated.TryGetValue(token, out TokenValidationResult? known) && known!.SecurityToken.ValidTo > now.UtcDateTime)
        {
            return new TokenValidationResult
            {
                IsValid = true,
                ClaimsIdentity = known.ClaimsIdentity.Clone(),
                SecurityToken = known.SecurityToken,
                Issuer = known.Issuer,
                TokenType = known.TokenType,
            };
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { } securityToken && securityToken.ValidTo > now.UtcDateTime)
        {
            var expires = new DateTimeOffset(securityToken.ValidTo, TimeSpan.Zero);
            _validated.Set(token, result, new MemoryCacheEntryOptions { AbsoluteExpiration = expires < now + MaxAge ? expires : now + MaxAge, Size = 1 });
        }

        return result;
    }

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);
}
