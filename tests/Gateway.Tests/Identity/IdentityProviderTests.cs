using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Genlook.Gateway.Hosting;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Tests.Identity;

/// <summary>
/// CONTRACT §2 in production mode: <c>Authentication:Schemes:Bearer:Authority</c> (OIDC discovery and JWKS, RS256) against a
/// real identity provider on a loopback port, through the real pipeline to the emulator.
/// </summary>
public sealed class IdentityProviderTests : IAsyncLifetime
{
    private const string TryOn = """{"products":[{"title":"t","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}},"externalUserId":"mallory"}""";

    private IdentityProviderStub _idp = null!;
    private GatewayApp _app = null!;

    public async Task InitializeAsync()
    {
        _idp = await IdentityProviderStub.StartAsync();
        _app = await GatewayApp.StartAsync(settings: _idp.GatewaySettings());
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _idp.DisposeAsync();
    }

    private static HttpClient WithToken(GatewayApp app, string token)
    {
        var client = app.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Task<HttpResponseMessage> PostTryOnAsync(HttpClient client) =>
        client.PostAsync("/tryon/v1/try-on", new StringContent(TryOn, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task TryOn_WithIdpToken_IsForwardedUnderThePseudonymOnly()
    {
        const string subject = "auth0|idp-alice";
        var token = _idp.Token(subject);

        var response = await PostTryOnAsync(WithToken(_app, token));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var forwarded = Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
        var body = JsonNode.Parse(forwarded.JsonBody!)!;
        Assert.Equal(TestTokens.PseudonymOf(subject), body["externalUserId"]?.GetValue<string>());
        var everything = forwarded.JsonBody + string.Join('\n', forwarded.Headers.Select(h => h.Key + ": " + h.Value));
        Assert.DoesNotContain(subject, everything);
        Assert.DoesNotContain(token.Split('.')[1], everything);
        Assert.False(forwarded.Headers.ContainsKey("authorization"));
        Assert.Equal(GatewayApp.ApiKey, forwarded.Headers["x-api-key"]);
        Assert.Equal(1, _idp.MetadataRequests);
    }

    [Fact]
    public async Task Request_WithNewKidAfterRotation_IsAcceptedAfterMetadataRefresh()
    {
        var before = WithToken(_app, _idp.Token("alice"));
        Assert.Equal(HttpStatusCode.OK, (await before.GetAsync("/tryon/v1/products")).StatusCode);
        var jwksFetches = _idp.JwksRequests;

        _idp.Rotate(keepOld: false);
        var rotated = WithToken(_app, _idp.Token("bob"));

        // The first request with the unknown kid asks JwtBearer for a refresh; the refreshed keys accept it at once or on
        // a later request, but within a bound and without a restart.
        var status = await Poll.UntilAsync(async () => (await rotated.GetAsync("/tryon/v1/products")).StatusCode, HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(_idp.JwksRequests > jwksFetches);

        // The remembered token of the old key still works until it expires or the cache's bound ends.
        Assert.Equal(HttpStatusCode.OK, (await before.GetAsync("/tryon/v1/products")).StatusCode);
    }

    [Fact]
    public async Task Request_WithNewKidAfterSecondRotation_IsAcceptedWithinTheConfiguredRefreshInterval()
    {
        // JwtBearer refreshes on an unknown kid at most once per RefreshInterval (5 minutes by default): a second rotation
        // soon after the first waits for it. The configuration key shortens it.
        var settings = _idp.GatewaySettings();
        settings["Authentication:Schemes:Bearer:RefreshInterval"] = "00:00:01";
        await using var app = await GatewayApp.StartAsync(settings: settings, emulator: _app.Emulator);

        foreach (var subject in new[] { "alice", "bob", "carol" })
        {
            var client = WithToken(app, _idp.Token(subject));
            var status = await Poll.UntilAsync(async () => (await client.GetAsync("/tryon/v1/products")).StatusCode, HttpStatusCode.OK);
            Assert.True(status == HttpStatusCode.OK, subject);
            _idp.Rotate(keepOld: false);
        }
    }

    public static TheoryData<string> BadTokenKinds() =>
    [
        "unknown key", "wrong signature", "wrong issuer", "wrong audience", "expired beyond skew", "not yet valid", "alg none",
        "hs256 with rsa public key", "no sub", "development key",
    ];

    private string BadToken(string kind)
    {
        var now = DateTime.UtcNow;
        switch (kind)
        {
            case "unknown key":
                return _idp.Token("alice", credentials: new SigningCredentials(IdentityProviderStub.NewKey(), SecurityAlgorithms.RsaSha256));
            case "wrong signature":
            {
                // The published kid, another key's signature.
                var impostor = IdentityProviderStub.NewKey();
                impostor.KeyId = _idp.SigningKey.KeyId;
                return _idp.Token("alice", credentials: new SigningCredentials(impostor, SecurityAlgorithms.RsaSha256));
            }

            case "wrong issuer":
                return _idp.Token("alice", issuer: "https://evil.test");
            case "wrong audience":
                return _idp.Token("alice", audience: "another-api");
            case "expired beyond skew":
                return _idp.Token("alice", expires: now.AddMinutes(-2));
            case "not yet valid":
                return _idp.Token("alice", notBefore: now.AddMinutes(5), expires: now.AddMinutes(15));
            case "alg none":
            {
                var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
                return Base64UrlEncoder.Encode($$"""{"alg":"none","typ":"JWT","kid":"{{_idp.SigningKey.KeyId}}"}""") + "." +
                       Base64UrlEncoder.Encode($$"""{"sub":"alice","iss":"{{_idp.Issuer}}","aud":"{{IdentityProviderStub.Audience}}","exp":{{exp}}}""") + ".";
            }

            case "hs256 with rsa public key":
            {
                // Algorithm confusion: HMAC keyed with the public key's bytes, under the published kid.
                var key = new SymmetricSecurityKey(_idp.SigningKey.Rsa.ExportSubjectPublicKeyInfo()) { KeyId = _idp.SigningKey.KeyId };
                return _idp.Token("alice", credentials: new SigningCredentials(key, SecurityAlgorithms.HmacSha256));
            }

            case "no sub":
                return _idp.Token(null);
            case "development key":
                return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
                {
                    Issuer = DevelopmentDefaults.Issuer,
                    Audience = IdentityProviderStub.Audience,
                    Expires = now.AddMinutes(10),
                    Claims = new Dictionary<string, object> { ["sub"] = "alice" },
                    SigningCredentials = new SigningCredentials(
                        new SymmetricSecurityKey(Convert.FromBase64String(DevelopmentDefaults.SigningKeyBase64)), SecurityAlgorithms.HmacSha256),
                });
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    [Theory]
    [MemberData(nameof(BadTokenKinds))]
    public async Task Request_WithBadIdpToken_IsInvalidTokenWithChallengeAndNotForwarded(string kind)
    {
        var token = BadToken(kind);
        var client = WithToken(_app, token);

        var first = await client.GetAsync("/tryon/v1/products");
        var second = await client.GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(first, HttpStatusCode.Unauthorized, "INVALID_TOKEN");
        await ErrorAssert.IsError(second, HttpStatusCode.Unauthorized, "INVALID_TOKEN");
        Assert.Equal("Bearer error=\"invalid_token\"", first.Headers.WwwAuthenticate.ToString());
        Assert.True(_app.Emulator.Requests.Count == 0, kind);
        Assert.Null(_app.Services.GetRequiredService<ValidatedTokens>().Find(token, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Request_WithTokenExpiredWithinSkew_IsAccepted()
    {
        var client = WithToken(_app, _idp.Token("alice", expires: DateTime.UtcNow.AddSeconds(-10)));

        var response = await client.GetAsync("/tryon/v1/products");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RememberedToken_ForOneUser_NeverAuthenticatesAnother()
    {
        var alice = _idp.Token("alice");
        var bob = _idp.Token("bob");

        foreach (var token in new[] { alice, bob, alice, bob })
        {
            Assert.Equal(HttpStatusCode.OK, (await PostTryOnAsync(WithToken(_app, token))).StatusCode);
        }

        var users = _app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Select(r => JsonNode.Parse(r.JsonBody!)!["externalUserId"]!.GetValue<string>());
        Assert.Equal([TestTokens.PseudonymOf("alice"), TestTokens.PseudonymOf("bob"), TestTokens.PseudonymOf("alice"), TestTokens.PseudonymOf("bob")], users);

        // A token whose signature was tampered with is not the remembered one.
        var forged = alice[..^4] + (alice[^4] == 'A' ? "B" : "A") + alice[^3..];
        await ErrorAssert.IsError(await WithToken(_app, forged).GetAsync("/tryon/v1/products"), HttpStatusCode.Unauthorized, "INVALID_TOKEN");
        Assert.Null(_app.Services.GetRequiredService<ValidatedTokens>().Find(forged, DateTimeOffset.UtcNow));
    }

    public static TheoryData<string, string, object> ScopeClaims() => new()
    {
        { "catalog", "scope", "openid catalog:write profile" },
        { "catalog", "scp", "catalog:write" },
        { "catalog", "scp", new[] { "openid", "catalog:write" } },
        { "gdpr", "scope", "gdpr:erase openid" },
        { "gdpr", "scp", new[] { "gdpr:erase" } },
    };

    [Theory]
    [MemberData(nameof(ScopeClaims))]
    public async Task ScopedEndpoint_WithScopeFromIdp_IsAllowed(string endpoint, string claim, object value)
    {
        var client = WithToken(_app, _idp.Token("admin", claims: new Dictionary<string, object> { [claim] = value }));
        var without = WithToken(_app, _idp.Token("admin", claims: new Dictionary<string, object> { [claim] = "openid catalog:read gdpr:eraser" }));

        var (allowed, denied) = endpoint == "catalog"
            ? (await client.DeleteAsync("/tryon/v1/products/shirt-42"), await without.DeleteAsync("/tryon/v1/products/shirt-42"))
            : (await client.DeleteAsync("/gdpr/users/auth0%7Cbob"), await without.DeleteAsync("/gdpr/users/auth0%7Cbob"));

        Assert.NotEqual(HttpStatusCode.Forbidden, allowed.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, allowed.StatusCode);
        await ErrorAssert.IsError(denied, HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    [Fact]
    public async Task Request_WithAccountClaim_SpendsTheSecondAccount()
    {
        var settings = _idp.GatewaySettings();
        settings["Genlook:Accounts:second:BaseUrl"] = _app.Emulator.BaseAddress.GetLeftPart(UriPartial.Authority);
        settings["Genlook:Accounts:second:ApiKey"] = GatewayApp.SecondApiKey;
        settings["Genlook:DefaultAccount"] = "default";
        settings["Genlook:AccountClaim"] = "genlook_account";
        await using var app = await GatewayApp.StartAsync(settings: settings, emulator: _app.Emulator);

        var second = await WithToken(app, _idp.Token("alice", claims: new Dictionary<string, object> { ["genlook_account"] = "second" })).GetAsync("/tryon/v1/products");
        var first = await WithToken(app, _idp.Token("alice")).GetAsync("/tryon/v1/products");
        var unknown = await WithToken(app, _idp.Token("alice", claims: new Dictionary<string, object> { ["genlook_account"] = "third" })).GetAsync("/tryon/v1/products");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await ErrorAssert.IsError(unknown, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal([GatewayApp.SecondApiKey, GatewayApp.ApiKey], app.Emulator.Requests.All.Select(r => r.Headers["x-api-key"]));
    }

    [Fact]
    public async Task Request_WhileIdpIsDown_IsCleanAndRecoversWhenItComesBack()
    {
        await using var idp = await IdentityProviderStub.StartAsync(running: false);
        await using var app = await GatewayApp.StartAsync(settings: idp.GatewaySettings(), emulator: _app.Emulator);
        var client = WithToken(app, idp.Token("alice"));

        var down = await client.GetAsync("/tryon/v1/products");

        // Without the IdP's keys no token can be checked: a clean 401 in the contract shape, not a 500.
        await ErrorAssert.IsError(down, HttpStatusCode.Unauthorized, "INVALID_TOKEN");
        Assert.Equal("Bearer error=\"invalid_token\"", down.Headers.WwwAuthenticate.ToString());
        Assert.Equal(0, app.Emulator.Requests.Count);

        await idp.StartAgainAsync();
        var status = await Poll.UntilAsync(async () => (await client.GetAsync("/tryon/v1/products")).StatusCode, HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Gateway_ConfiguredWithAudienceKey_AcceptsThatAudienceOnly()
    {
        var settings = _idp.GatewaySettings();
        settings["Authentication:Schemes:Bearer:ValidAudiences:0"] = null;
        settings["Authentication:Schemes:Bearer:Audience"] = IdentityProviderStub.Audience;
        await using var app = await GatewayApp.StartAsync(settings: settings, emulator: _app.Emulator);

        var ours = await WithToken(app, _idp.Token("alice")).GetAsync("/tryon/v1/products");
        var theirs = await WithToken(app, _idp.Token("alice", audience: "another-api")).GetAsync("/tryon/v1/products");

        Assert.Equal(HttpStatusCode.OK, ours.StatusCode);
        await ErrorAssert.IsError(theirs, HttpStatusCode.Unauthorized, "INVALID_TOKEN");
    }

    [Fact]
    public async Task DevelopmentTokenEndpoint_OutsideDevelopment_DoesNotExist()
    {
        var response = await _app.AnonymousClient().PostAsync("/dev/token?sub=alice", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
