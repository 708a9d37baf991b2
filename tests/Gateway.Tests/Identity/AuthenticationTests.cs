using System.Net;
using System.Net.Http.Headers;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Genlook.Gateway.Tests.Identity;

/// <summary>CONTRACT §2: no valid token, nothing forwarded; the gateway is never an open proxy for the API key.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private GatewayApp _app = null!;

    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Request_WithoutToken_IsMissingTokenWithChallenge()
    {
        var response = await _app.AnonymousClient().GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.Unauthorized, "MISSING_TOKEN");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    public static TheoryData<string> Routes() => new(GatewayRoute.All.Select(r => r.Id));

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryProxiedRoute_WithoutToken_IsMissingTokenAndNotForwarded(string routeId)
    {
        var route = GatewayRoute.All.Single(r => r.Id == routeId);
        var path = route.Path.Replace("{id}", "gen_x").Replace("{externalId}", "shirt-42");
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        if (route.Method is "POST" or "PATCH")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        var response = await _app.AnonymousClient().SendAsync(request);

        await ErrorAssert.IsError(response, HttpStatusCode.Unauthorized, "MISSING_TOKEN");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Request_WithApiKeyInsteadOfToken_IsMissingTokenAndNotForwarded()
    {
        var client = _app.AnonymousClient();
        client.DefaultRequestHeaders.Add("x-api-key", GatewayApp.ApiKey);

        var response = await client.GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.Unauthorized, "MISSING_TOKEN");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task ValidatedToken_IsRemembered_AndServesTheNextRequest()
    {
        var token = TestTokens.For("alice");
        var client = _app.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var first = await client.GetAsync("/tryon/v1/products");
        var remembered = _app.Services.GetRequiredService<ValidatedTokens>().Find(token, DateTimeOffset.UtcNow);
        var second = await client.GetAsync("/tryon/v1/products");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("alice", remembered?.FindFirst("sub")?.Value);
        Assert.IsType<ValidatedTokens.FrozenIdentity>(remembered);
        Assert.Equal(2, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task RememberedToken_StopsWorking_WhenItExpires()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var strict = await GatewayApp.StartAsync(services: services =>
            services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
            {
                // The handler (and so the cache in front of it) reads this clock; JwtBearer's own expiry check reads
                // the system's (Microsoft.IdentityModel takes no TimeProvider), so it is given the same fake clock.
                o.TimeProvider = time;
                o.TokenValidationParameters.LifetimeValidator = (_, expires, _, _) => time.GetUtcNow().UtcDateTime < expires;
            }));
        var token = TestTokens.For("alice", expires: time.GetUtcNow().UtcDateTime.AddSeconds(2));
        var client = strict.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var fresh = await client.GetAsync("/tryon/v1/products");
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotNull(strict.Services.GetRequiredService<ValidatedTokens>().Find(token, time.GetUtcNow()));

        time.Advance(TimeSpan.FromSeconds(3)); // JWT expiry has whole seconds: past it for sure
        var stale = await client.GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(stale, HttpStatusCode.Unauthorized, "INVALID_TOKEN");
        Assert.Equal(1, strict.Emulator.Requests.Count);
    }

    public static TheoryData<string, string> BadTokens() => new()
    {
        { "wrong signature", TestTokens.For("alice", key: "another-signing-key-0123456789-abcdefghijklmno!"u8.ToArray()) },
        { "expired", TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "wrong issuer", TestTokens.For("alice", issuer: "https://evil.test") },
        { "wrong audience", TestTokens.For("alice", audience: "someone-else") },
        { "alg none", TestTokens.WithoutSignature("alice") },
        { "no sub", TestTokens.For("") },
        { "garbage", "not-a-jwt" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Request_WithBadToken_IsInvalidTokenAndNotForwarded(string why, string token)
    {
        var client = _app.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await client.GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.Unauthorized, "INVALID_TOKEN");
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
        Assert.True(_app.Emulator.Requests.Count == 0, why);
    }
}
