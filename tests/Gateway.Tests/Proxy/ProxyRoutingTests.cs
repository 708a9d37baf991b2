using System.Net;
using System.Net.Http.Headers;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Proxy;

/// <summary>The allowlist of CONTRACT §1 and the header rules of §2, through the real pipeline to the strict emulator.</summary>
public sealed class ProxyRoutingTests : IAsyncLifetime
{
    private GatewayApp _app = null!;

    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task ClientAddressHeaders_FromTheAppOrAnIngress_NeverReachGenlook()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tryon/v1/products");
        foreach (var name in UpstreamClientAddressHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, "203.0.113.7");
        }

        var response = await _app.ClientFor("alice").SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_app.Emulator.Requests.All);
        Assert.All(UpstreamClientAddressHeaders, name => Assert.False(received.Headers.ContainsKey(name.ToLowerInvariant()), name));
    }

    private static readonly string[] UpstreamClientAddressHeaders =
        ["Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Real-IP", "True-Client-IP", "CF-Connecting-IP", "X-Client-IP"];

    [Fact]
    public async Task ProductsList_WithToken_IsForwardedWithAccountKeyAndWithoutAppCredentials()
    {
        var client = _app.ClientFor("alice");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tryon/v1/products");
        request.Headers.Add("x-api-key", "gk_stolen_by_the_app");
        request.Headers.Add("Cookie", "session=secret");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_app.Emulator.Requests.All);
        Assert.Equal("GET", received.Method);
        Assert.Equal("/tryon/v1/products", received.Path);
        Assert.Equal(GatewayApp.ApiKey, received.Headers["x-api-key"]);
        Assert.False(received.Headers.ContainsKey("authorization"));
        Assert.False(received.Headers.ContainsKey("cookie"));
        Assert.False(received.Headers.ContainsKey("x-forwarded-for"));
    }

    [Fact]
    public async Task ProductGet_UnknownProduct_PassesGenlookErrorThroughUnchanged()
    {
        var response = await _app.ClientFor("alice").GetAsync("/tryon/v1/products/nope-42");

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        Assert.Single(_app.Emulator.Requests.All);
    }

    [Theory]
    [InlineData("PUT", "/tryon/v1/try-on")]
    [InlineData("GET", "/tryon/v1/try-on")]
    [InlineData("GET", "/tryon/v1/generations")]
    [InlineData("DELETE", "/tryon/v1/generations/gen_1")]
    [InlineData("GET", "/tryon/v1/customers/abc")]
    [InlineData("DELETE", "/tryon/v1/customers/abc")]
    [InlineData("GET", "/tryon/v1/unknown")]
    [InlineData("GET", "/tryon/v2/products")]
    [InlineData("GET", "/tryon/v1/products/a/b")]
    [InlineData("GET", "/tryon/v1/products/a%2F..%2F..%2Fcustomers%2Fx")]
    [InlineData("GET", "/tryon/v1/generations/a%2fb")]
    [InlineData("GET", "/tryon/v1/generations/%2e%2e")]
    [InlineData("GET", "/tryon/v1/products/x%5C..%5Cy")]
    [InlineData("GET", "/tryon/v1/products/%252F")]
    [InlineData("GET", "/tryon/v1//products")]
    [InlineData("GET", "/somewhere/else")]
    // A last segment with a dot looks like a file name to the default fallback pattern: still the contract's answer.
    [InlineData("PUT", "/tryon/v1/products/sku.42")]
    [InlineData("GET", "/tryon/v1/products.json")]
    [InlineData("DELETE", "/tryon/v1/generations/gen.1")]
    [InlineData("GET", "/gdpr/users/john.doe")]
    public async Task Request_OutsideAllowlist_IsRouteNotFoundAndNeverForwarded(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        var response = await _app.ClientFor("alice", scope: "catalog:write").SendAsync(request);

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task ProductWrite_WithoutCatalogScope_IsForbiddenAndNotForwarded()
    {
        var response = await _app.ClientFor("alice").DeleteAsync("/tryon/v1/products/shirt-42");

        await ErrorAssert.IsError(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task ProductWrite_WithCatalogScopeInScpArray_IsForwarded()
    {
        var client = _app.AnonymousClient();
        var token = TestTokens.For("admin", extraClaims: new Dictionary<string, object> { ["scp"] = new[] { "profile", "catalog:write" } });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await client.DeleteAsync("/tryon/v1/products/shirt-42");

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        Assert.Single(_app.Emulator.Requests.All);
    }

    [Fact]
    public async Task OversizedHeaders_AreAnsweredInContractShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tryon/v1/products");
        request.Headers.Add("X-Padding", new string('a', 20 * 1024));

        var response = await _app.ClientFor("alice").SendAsync(request);

        await ErrorAssert.IsError(response, HttpStatusCode.RequestHeaderFieldsTooLarge, "REQUEST_HEADERS_TOO_LARGE");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task OversizedBody_IsFileTooLargeAndNotForwarded()
    {
        using var content = new ByteArrayContent(new byte[1]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentLength = 65L * 1024 * 1024;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/products") { Content = new StreamContent(new MemoryStream(new byte[16])) };
        request.Content.Headers.ContentLength = 65L * 1024 * 1024;
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        HttpResponseMessage response;
        try
        {
            response = await _app.ClientFor("alice", scope: "catalog:write").SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // The test server may refuse a body shorter than its Content-Length after answering; the answer is what matters.
            return;
        }

        await ErrorAssert.IsError(response, HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Preflight_FromConfiguredOrigin_AllowsAuthorizationAndIdempotencyKey()
    {
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://shop.example" });
        using var request = new HttpRequestMessage(HttpMethod.Options, "/tryon/v1/try-on");
        request.Headers.Add("Origin", "https://shop.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,idempotency-key,last-event-id,if-none-match,prefer");

        var response = await app.AnonymousClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://shop.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowed = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("authorization", allowed);
        Assert.Contains("idempotency-key", allowed);
        Assert.Contains("last-event-id", allowed); // an SPA's watch resumes (fetch, not EventSource: it sends Authorization)
        Assert.Contains("if-none-match", allowed);
        Assert.Contains("prefer", allowed);
        Assert.Equal(0, app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Response_ToConfiguredOrigin_ExposesEveryHeaderTheGatewayDocuments()
    {
        // A browser hides every response header a script may read unless it is listed in Access-Control-Expose-Headers.
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://shop.example" });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tryon/v1/products");
        request.Headers.Add("Origin", "https://shop.example");

        var response = await app.AnonymousClient().SendAsync(request);

        var exposed = string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")).Split(',').Select(h => h.Trim().ToLowerInvariant()).ToList();
        foreach (var header in new[] { "RateLimit", "RateLimit-Policy", "Retry-After", "Deprecation", "Link", "Cache-Status", "Location", "Idempotent-Replayed", "ETag", "Preference-Applied" })
        {
            Assert.Contains(header.ToLowerInvariant(), exposed);
        }
    }

    [Fact]
    public async Task GuardError_ToConfiguredOrigin_CarriesCorsHeaders()
    {
        // The request guard answers before routing (an announced body over the limit); a browser app can read that
        // FILE_TOO_LARGE only if the answer carries the CORS headers too.
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Cors:AllowedOrigins:0"] = "https://shop.example",
            ["Gateway:Limits:MaxRequestBodyBytes"] = "1024",
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/try-on")
        {
            Content = new ByteArrayContent(new byte[4096]) { Headers = { ContentType = new("application/json") } },
        };
        request.Headers.Add("Origin", "https://shop.example");

        var response = await app.ClientFor("alice").SendAsync(request);

        await ErrorAssert.IsError(response, HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE");
        Assert.Equal("https://shop.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(0, app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Response_WithGenlooksOwnCorsHeaders_AnswersOnlyTheGatewaysCorsPolicy()
    {
        // Genlook's own CORS headers must not decide which sites may read the gateway's answers.
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://shop.example" });
        app.Emulator.Faults.Respond(200, """{"items":[],"total":0}""", headers: new Dictionary<string, string>
        {
            ["Access-Control-Allow-Origin"] = "*",
            ["Access-Control-Allow-Credentials"] = "true",
            ["Access-Control-Expose-Headers"] = "X-Internal",
        }, pathPrefix: "/tryon/v1/products");
        using var fromElsewhere = new HttpRequestMessage(HttpMethod.Get, "/tryon/v1/products");
        fromElsewhere.Headers.Add("Origin", "https://evil.example");
        using var fromShop = new HttpRequestMessage(HttpMethod.Get, "/tryon/v1/products");
        fromShop.Headers.Add("Origin", "https://shop.example");

        var elsewhere = await app.ClientFor("alice").SendAsync(fromElsewhere);
        var shop = await app.ClientFor("alice").SendAsync(fromShop);

        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
        Assert.False(elsewhere.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(elsewhere.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.Equal(HttpStatusCode.OK, shop.StatusCode);
        Assert.Equal("https://shop.example", shop.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(shop.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.DoesNotContain("X-Internal", string.Join(",", shop.Headers.GetValues("Access-Control-Expose-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Preflight_FromUnknownOrigin_GetsNoCorsHeaders()
    {
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://shop.example" });
        using var request = new HttpRequestMessage(HttpMethod.Options, "/tryon/v1/try-on");
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        var response = await app.AnonymousClient().SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
