using System.Net;
using Genlook.Emulator;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Proxy;

/// <summary>CONTRACT §4: every way Genlook can fail reaches the app in the contract shape, or unchanged when it is Genlook's own answer.</summary>
public sealed class UpstreamFaultTests : IAsyncLifetime
{
    private GatewayApp _app = null!;

    // Genlook:Timeout stays at its test value (5 s): a 1 s budget also fails the first request of a cold app on a busy
    // machine. Only the timeout test shortens it.
    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Upstream_ResetsConnection_IsUpstreamUnavailable()
    {
        _app.Emulator.Faults.ResetConnection("/tryon/v1/products");

        var response = await _app.ClientFor("alice").GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_UNAVAILABLE");
    }

    [Fact]
    public async Task Upstream_SlowerThanTimeout_IsUpstreamTimeout()
    {
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Genlook:Timeout"] = "00:00:01" });
        app.Emulator.Faults.Delay(TimeSpan.FromSeconds(4), "/tryon/v1/products");

        var response = await app.ClientFor("alice").GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.GatewayTimeout, "UPSTREAM_TIMEOUT");
    }

    [Fact]
    public async Task Upstream_RejectsGatewayKey_IsUpstreamAuthFailedNeverUnauthorized()
    {
        _app.Emulator.Faults.RejectKeys();

        var response = await _app.ClientFor("alice").GetAsync("/tryon/v1/products");

        var body = await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_AUTH_FAILED");
        Assert.DoesNotContain("INVALID_API_KEY", body.ToString());
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Upstream_InternalError_PassesThroughUnchanged()
    {
        _app.Emulator.Faults.FailWith(500, "INTERNAL_ERROR", "/tryon/v1/products");

        var response = await _app.ClientFor("alice").GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.InternalServerError, "INTERNAL_ERROR");
    }

    [Fact]
    public async Task Upstream_RateLimits_PassesThroughWithRetryAfter()
    {
        _app.Emulator.Faults.RateLimit(TimeSpan.FromSeconds(7), "/tryon/v1/products");

        var response = await _app.ClientFor("alice").GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Upstream_NotListening_IsUpstreamUnavailable()
    {
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Genlook:Accounts:default:BaseUrl"] = "http://127.0.0.1:1",
        });

        var response = await app.ClientFor("alice").GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_UNAVAILABLE");
    }

    [Fact]
    public async Task Upstream_FailsPost_IsNotRetried()
    {
        _app.Emulator.Faults.ResetConnection("/tryon/v1/products", "POST");
        using var content = new StringContent("""{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}""", System.Text.Encoding.UTF8, "application/json");

        var response = await _app.ClientFor("admin", scope: "catalog:write").PostAsync("/tryon/v1/products", content);

        await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_UNAVAILABLE");
        Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/products"));
    }

    // The routes whose answer the gateway reads before the app sees it (try-on and upload record the id, a status poll is
    // cached): a broken answer must become a contract error there, never a hang, a 500 or half a body.
    private const string TryOnPrefix = "/tryon/v1/try-on";
    private const string GenerationsPrefix = "/tryon/v1/generations/";

    [Fact]
    public async Task TryOn_UpstreamResetsMidBody_IsUpstreamUnavailable()
    {
        var session = new AppSession(_app.ClientFor("alice"));
        var imageId = await session.UploadImageIdAsync();
        _app.Emulator.Faults.Respond(200, """{"generationId":"gen_cut""", ending: ResponseEnding.ResetMidBody, pathPrefix: TryOnPrefix);

        var response = await session.TryOnAsync(TryOnBody(imageId)).WaitAsync(Bound);

        await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_UNAVAILABLE");
    }

    [Fact]
    public async Task TryOn_UpstreamStallsMidBody_IsUpstreamTimeout()
    {
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Genlook:Timeout"] = "00:00:01" });
        var session = new AppSession(app.ClientFor("alice"));
        var imageId = await session.UploadImageIdAsync();
        app.Emulator.Faults.Respond(200, """{"generationId":"gen_stalled""", ending: ResponseEnding.StallMidBody, pathPrefix: TryOnPrefix);

        var response = await session.TryOnAsync(TryOnBody(imageId)).WaitAsync(Bound);

        await ErrorAssert.IsError(response, HttpStatusCode.GatewayTimeout, "UPSTREAM_TIMEOUT");
    }

    [Fact]
    public async Task TryOn_UpstreamAnswersMalformedJson_IsUpstreamUnavailable()
    {
        var session = new AppSession(_app.ClientFor("alice"));
        var imageId = await session.UploadImageIdAsync();
        _app.Emulator.Faults.Respond(200, """{"generationId":""", pathPrefix: TryOnPrefix);

        var response = await session.TryOnAsync(TryOnBody(imageId)).WaitAsync(Bound);

        await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_UNAVAILABLE");
    }

    [Fact]
    public async Task Upload_UpstreamResetsMidBody_IsUpstreamUnavailable()
    {
        var session = new AppSession(_app.ClientFor("alice"));
        _app.Emulator.Faults.Respond(200, """{"imageId":"retention-7d/cut""", ending: ResponseEnding.ResetMidBody, pathPrefix: "/tryon/v1/images/upload");

        var response = await session.UploadAsync().WaitAsync(Bound);

        await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_UNAVAILABLE");
    }

    [Fact]
    public async Task Generation_UpstreamResetsMidBody_IsUpstreamUnavailableWithNoPartialBody()
    {
        var session = new AppSession(_app.ClientFor("alice"));
        var generationId = await session.TryOnGenerationIdAsync(await session.UploadImageIdAsync());
        _app.Emulator.Faults.Respond(200, """{"generationId":"__ID__","status":"COMPL""".Replace("__ID__", generationId, StringComparison.Ordinal),
            ending: ResponseEnding.ResetMidBody, pathPrefix: GenerationsPrefix);

        var response = await session.GenerationAsync(generationId).WaitAsync(Bound);

        await ErrorAssert.IsError(response, HttpStatusCode.BadGateway, "UPSTREAM_UNAVAILABLE");
    }

    [Fact]
    public async Task Generation_UpstreamStallsMidBody_IsUpstreamTimeout()
    {
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Genlook:Timeout"] = "00:00:01" });
        var session = new AppSession(app.ClientFor("alice"));
        var generationId = await session.TryOnGenerationIdAsync(await session.UploadImageIdAsync());
        app.Emulator.Faults.Respond(200, """{"generationId":"__ID__","status":"COMPL""".Replace("__ID__", generationId, StringComparison.Ordinal),
            ending: ResponseEnding.StallMidBody, pathPrefix: GenerationsPrefix);

        var response = await session.GenerationAsync(generationId).WaitAsync(Bound);

        await ErrorAssert.IsError(response, HttpStatusCode.GatewayTimeout, "UPSTREAM_TIMEOUT");
    }

    [Fact]
    public async Task Upstream_ServerErrorWithHtmlBody_PassesThroughUnchanged()
    {
        const string html = "<html><body>502 Bad Gateway (Genlook's load balancer)</body></html>";
        _app.Emulator.Faults.Respond(503, html, contentType: "text/html", pathPrefix: "/tryon/v1/products");

        var response = await _app.ClientFor("alice").GetAsync("/tryon/v1/products").WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(html, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("date")]
    [InlineData("99999999999999")]
    public async Task TryOn_GenlookRateLimitsWithUnusualRetryAfter_PassesThroughAndHoldsTheAccount(string retryAfter)
    {
        var session = new AppSession(_app.ClientFor("alice"));
        var imageId = await session.UploadImageIdAsync();
        var header = retryAfter == "date" ? DateTimeOffset.UtcNow.AddSeconds(60).ToString("R", System.Globalization.CultureInfo.InvariantCulture) : retryAfter;
        _app.Emulator.Faults.Respond(429, """{"code":"RATE_LIMITED","message":"Per-account request budget exceeded.","status":429}""",
            headers: new Dictionary<string, string> { ["Retry-After"] = header }, pathPrefix: TryOnPrefix, times: 1);

        var fromGenlook = await session.TryOnAsync(TryOnBody(imageId)).WaitAsync(Bound);
        var held = await session.TryOnAsync(TryOnBody(imageId)).WaitAsync(Bound);

        await ErrorAssert.IsError(fromGenlook, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.Equal(header, fromGenlook.Headers.GetValues("Retry-After").Single());
        await ErrorAssert.IsError(held, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.InRange(held.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 30, 600);
        Assert.Single(_app.Emulator.Requests.Matching("POST", TryOnPrefix));
    }

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static string TryOnBody(string imageId) =>
        """{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"__IMAGEID__"}}}}""".Replace("__IMAGEID__", imageId, StringComparison.Ordinal);
}
