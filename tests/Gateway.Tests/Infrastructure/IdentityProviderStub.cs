using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>
/// A production identity provider as JwtBearer sees it through <c>Authority</c>: OIDC discovery
/// (<c>/.well-known/openid-configuration</c>) and a JWKS of RSA keys, on a loopback port. It mints RS256 tokens, rotates
/// its signing key, and can stop and start again on the same port (an IdP outage).
/// </summary>
public sealed class IdentityProviderStub : IAsyncDisposable
{
    public const string Audience = "genlook-gateway";

    private readonly Lock _gate = new();
    private RsaSecurityKey _signingKey = NewKey();
    private RsaSecurityKey[] _published;
    private WebApplication? _app;
    private int _metadataRequests;
    private int _jwksRequests;

    private IdentityProviderStub(int port)
    {
        Port = port;
        _published = [_signingKey];
    }

    public int Port { get; }

    /// <summary>The issuer, as the discovery document states it and tokens carry it; also the gateway's <c>Authority</c>.</summary>
    public string Issuer => $"http://127.0.0.1:{Port}";

    public int MetadataRequests => Volatile.Read(ref _metadataRequests);

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>The key that signs new tokens (its public half is in the JWKS).</summary>
    public RsaSecurityKey SigningKey
    {
        get
        {
            lock (_gate)
            {
                return _signingKey;
            }
        }
    }

    /// <summary>Starts an IdP on a free loopback port; <paramref name="running"/> false only reserves the port (the IdP is down).</summary>
    public static async Task<IdentityProviderStub> StartAsync(bool running = true)
    {
        var idp = new IdentityProviderStub(Ports.Free());
        if (running)
        {
            await idp.StartAgainAsync();
        }

        return idp;
    }

    /// <summary>The gateway's configuration for this IdP: <c>Authority</c> over plain HTTP (loopback); the test signing key removed.</summary>
    public Dictionary<string, string?> GatewaySettings() => new()
    {
        ["Authentication:Schemes:Bearer:Authority"] = Issuer,
        ["Authentication:Schemes:Bearer:RequireHttpsMetadata"] = "false",
        ["Authentication:Schemes:Bearer:ValidAudiences:0"] = Audience,
        ["Authentication:Schemes:Bearer:ValidIssuer"] = null,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Issuer"] = null,
        ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = null,
    };

    /// <summary>A new signing key with a new <c>kid</c>; the JWKS keeps the old one too unless <paramref name="keepOld"/> is false.</summary>
    public RsaSecurityKey Rotate(bool keepOld = true)
    {
        lock (_gate)
        {
            var next = NewKey();
            _published = keepOld ? [.. _published, next] : [next];
            _signingKey = next;
            return next;
        }
    }

    /// <summary>A token as this IdP issues it (RS256, its issuer, <see cref="Audience"/>, valid for 10 minutes), with overrides.</summary>
    public string Token(string? subject, string? scope = null, IDictionary<string, object>? claims = null, string? issuer = null,
        string audience = Audience, DateTime? notBefore = null, DateTime? expires = null, SigningCredentials? credentials = null)
    {
        var all = new Dictionary<string, object>();
        if (subject is not null)
        {
            all["sub"] = subject;
        }

        if (scope is not null)
        {
            all["scope"] = scope;
        }

        foreach (var (name, value) in claims ?? new Dictionary<string, object>())
        {
            all[name] = value;
        }

        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddMinutes(10);
        var nbf = notBefore ?? (exp < now ? exp.AddMinutes(-10) : now);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            IssuedAt = nbf,
            NotBefore = nbf,
            Expires = exp,
            Claims = all,
            SigningCredentials = credentials ?? new SigningCredentials(SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Serves discovery and the JWKS again, on the same port.</summary>
    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "IdentityProvider" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Issuer);
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () =>
        {
            Interlocked.Increment(ref _metadataRequests);
            return Results.Text(
                $$"""{"issuer":"{{Issuer}}","jwks_uri":"{{Issuer}}/jwks","id_token_signing_alg_values_supported":["RS256"]}""",
                "application/json");
        });
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref _jwksRequests);
            RsaSecurityKey[] keys;
            lock (_gate)
            {
                keys = _published;
            }

            var jwks = string.Join(',', keys.Select(k =>
            {
                var p = k.Rsa.ExportParameters(false);
                return $$"""{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{k.KeyId}}","n":"{{Base64UrlEncoder.Encode(p.Modulus)}}","e":"{{Base64UrlEncoder.Encode(p.Exponent)}}"}""";
            }));
            return Results.Text($$"""{"keys":[{{jwks}}]}""", "application/json");
        });
        await app.StartAsync();
        _app = app;
    }

    /// <summary>The IdP goes away: connections to its port are refused.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>A fresh RSA key with its own <c>kid</c>, not published by any IdP.</summary>
    public static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
}
