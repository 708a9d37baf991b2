using System.Net;
using System.Net.Http.Headers;
using Genlook.Gateway.Tests.Infrastructure;

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

    [Fact]
    public async Task Request_WithApiKeyInsteadOfToken_IsMissingTokenAndNotForwarded()
    {
        var client = _app.AnonymousClient();
        client.DefaultRequestHeaders.Add("x-api-key", GatewayApp.ApiKey);

        var response = await client.GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.Unauthorized, "MISSING_TOKEN");
        Assert.Equal(0, _app.Emulator.Requests.Count);
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
