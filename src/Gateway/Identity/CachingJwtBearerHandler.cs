using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Identity;

/// <summary>
/// ASP.NET Core's <see cref="JwtBearerHandler"/>, which validates every token it has not seen, in front of
/// <see cref="ValidatedTokens"/>: a token it validated before (and that has not expired) authenticates from memory.
/// On such a hit the handler skips what JwtBearer does per request even for a token it validated a second ago: cloning
/// the validation parameters, the signature check, building claims, and formatting the ticket's dates. Everything else
/// (challenges, events on a first sight, configuration, metadata refresh) is JwtBearer's own.
/// </summary>
internal sealed class CachingJwtBearerHandler(
    IOptionsMonitor<JwtBearerOptions> options, ILoggerFactory logger, UrlEncoder encoder, ValidatedTokens tokens)
    : JwtBearerHandler(options, logger, encoder)
{
    private const string Prefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        var authorization = header.Count == 1 ? header[0] : null;
        if (tokens.Find(BearerToken(authorization), TimeProvider.GetUtcNow()) is { } identity)
        {
            // A fresh principal per request: whatever a later stage does to it stays in this request.
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
        }

        return ValidateAsync(authorization);
    }

    private async Task<AuthenticateResult> ValidateAsync(string? authorization)
    {
        var result = await base.HandleAuthenticateAsync();
        Remember(authorization, result);
        return result;
    }

    private void Remember(string? authorization, AuthenticateResult result)
    {
        if (result.Succeeded && result.Principal.Identities.Count() == 1 && result.Principal.Identity is ClaimsIdentity identity &&
            result.Properties.ExpiresUtc is { } expires && BearerToken(authorization) is { IsEmpty: false } token)
        {
            tokens.Remember(token.ToString(), identity, expires, TimeProvider.GetUtcNow());
        }
    }

    /// <summary>The token as JwtBearer reads it: one Authorization value, "Bearer " in any case, then trimmed; empty when none.</summary>
    private static ReadOnlySpan<char> BearerToken(string? authorization) =>
        authorization is not null && authorization.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            ? authorization.AsSpan(Prefix.Length).Trim()
            : default;
}
