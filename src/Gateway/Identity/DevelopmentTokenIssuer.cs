using System.Security.Claims;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Identity;

/// <summary>
/// Development only: mints tokens signed with the embedded development key, so the README's curl session needs no IdP.
/// <c>POST /dev/token?sub=alice&amp;scope=catalog:write</c>.
/// </summary>
internal sealed class DevelopmentTokenIssuer(TimeProvider time)
{
    private static readonly SigningCredentials Credentials =
        new(new SymmetricSecurityKey(Convert.FromBase64String(DevelopmentDefaults.SigningKeyBase64)), SecurityAlgorithms.HmacSha256);

    public static IResult Handle(HttpContext context, DevelopmentTokenIssuer issuer, string? sub, string? scope, string? account, int? minutes)
    {
        if (sub is { Length: 0 or > 256 } || scope is { Length: > 1024 } || minutes is < 1 or > 24 * 60)
        {
            return GatewayErrors.ValidationFailed("query", "sub: 1-256 chars; scope: space-separated; minutes: 1-1440.").ToResult();
        }

        var lifetime = TimeSpan.FromMinutes(minutes ?? 60);
        var token = issuer.Issue(sub ?? "dev-user", scope, account, lifetime);
        return Results.Json(new DevelopmentToken(token, "Bearer", (int)lifetime.TotalSeconds), DevelopmentTokenJsonContext.Default.DevelopmentToken);
    }

    public string Issue(string subject, string? scope, string? account, TimeSpan lifetime)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        if (!string.IsNullOrWhiteSpace(scope))
        {
            claims["scope"] = scope;
        }

        if (!string.IsNullOrWhiteSpace(account))
        {
            claims["genlook_account"] = account;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevelopmentDefaults.Issuer,
            Audience = DevelopmentDefaults.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = claims,
            SigningCredentials = Credentials,
        });
    }
}

internal sealed record DevelopmentToken(
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn);

[System.Text.Json.Serialization.JsonSerializable(typeof(DevelopmentToken))]
internal sealed partial class DevelopmentTokenJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
