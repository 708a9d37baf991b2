using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Proxy;

/// <summary>
/// What reaches Genlook of the app's request headers: an allowlist, not a denylist. Every header a hostile app might send
/// that is not on the list is absent from what the strict emulator received, on every route.
/// </summary>
public sealed class UpstreamHeaderAllowlistTests : IAsyncLifetime
{
    /// <summary>Every header name Genlook may receive from the gateway (the documented list), in lower case.</summary>
    private static readonly HashSet<string> Documented =
        ["host", "accept", "content-type", "content-length", "x-api-key", "traceparent", "tracestate"];

    /// <summary>What a hostile app sends besides its bearer token: none of it is Genlook's business.</summary>
    private static readonly Dictionary<string, string> Hostile = new(StringComparer.OrdinalIgnoreCase)
    {
        // Path and method overrides some frameworks honour over the request line.
        ["X-Original-URL"] = "/tryon/v1/customers/someone-elses-pseudonym",
        ["X-Rewrite-URL"] = "/tryon/v1/customers/someone-elses-pseudonym",
        ["X-HTTP-Method-Override"] = "DELETE",
        ["X-HTTP-Method"] = "DELETE",
        ["X-Method-Override"] = "DELETE",
        // Forwarding and client-address headers.
        ["Forwarded"] = "for=203.0.113.7;host=internal.genlook.app;proto=https",
        ["X-Forwarded-For"] = "203.0.113.7",
        ["X-Forwarded-Host"] = "internal.genlook.app",
        ["X-Forwarded-Proto"] = "https",
        ["X-Forwarded-Port"] = "8443",
        ["X-Forwarded-Prefix"] = "/admin",
        ["X-Forwarded-Server"] = "internal",
        ["X-Real-IP"] = "203.0.113.7",
        ["True-Client-IP"] = "203.0.113.7",
        ["Via"] = "1.1 evil-proxy",
        ["Max-Forwards"] = "0",
        // Credentials, and Genlook's key header in other spellings (CGI-style servers read x_api_key as x-api-key).
        ["Cookie"] = "session=secret",
        ["Proxy-Authorization"] = "Basic c3RvbGVuOnN0b2xlbg==",
        ["X-API-KEY"] = "gk_stolen_by_the_app",
        ["x_api_key"] = "gk_stolen_by_the_app",
        ["X-Api_Key"] = "gk_stolen_by_the_app",
        ["Api-Key"] = "gk_stolen_by_the_app",
        // The gateway's own business (idempotency, cache validators, watch) and the app's device.
        ["Idempotency-Key"] = "key-1",
        ["If-None-Match"] = "\"v1\"",
        ["If-Match"] = "\"v1\"",
        ["If-Modified-Since"] = "Sun, 06 Dec 2026 10:00:00 GMT",
        ["Prefer"] = "wait=5",
        ["Last-Event-ID"] = "7",
        ["Range"] = "bytes=0-10",
        ["Accept-Encoding"] = "gzip, br",
        ["Accept-Language"] = "de-CH",
        ["Accept-Charset"] = "utf-8",
        ["User-Agent"] = "ShopApp/1.0 (iPhone; iOS 19.1)",
        ["Referer"] = "https://shop.example/account",
        ["Origin"] = "https://shop.example",
        ["Cache-Control"] = "no-cache",
        ["Pragma"] = "no-cache",
        ["Early-Data"] = "1",
        ["X-Requested-With"] = "XMLHttpRequest",
        ["X-Request-ID"] = "app-chosen",
        ["X-Correlation-ID"] = "app-chosen",
        ["X-Foo"] = "bar",
    };

    private GatewayApp _app = null!;

    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string> Routes() => ["products-list", "product-get", "product-stats", "product-upsert", "product-patch", "product-delete", "try-on", "images-upload", "generation-status"];

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task HostileHeaders_OnEveryRoute_NeverReachGenlook(string route)
    {
        var client = _app.ClientFor("alice", scope: "catalog:write");
        var generationId = route == "generation-status" ? await new AppSession(client).TryOnGenerationIdAsync(await new AppSession(client).UploadImageIdAsync()) : null;
        _app.Emulator.Requests.Clear();
        using var request = RequestFor(route, generationId);
        foreach (var (name, value) in Hostile)
        {
            Assert.True(request.Headers.TryAddWithoutValidation(name, value), name);
        }

        var response = await client.SendAsync(request);

        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var received = Assert.Single(_app.Emulator.Requests.All);
        Assert.Empty(received.Headers.Keys.Except(Documented));
        Assert.All(Hostile.Keys.Where(name => !Documented.Contains(name.ToLowerInvariant())), name => Assert.False(received.Headers.ContainsKey(name.ToLowerInvariant()), name));
        Assert.False(received.Headers.ContainsKey("authorization"));
        Assert.Equal(GatewayApp.ApiKey, received.Headers["x-api-key"]); // not the app's X-API-KEY beside it
    }

    [Fact]
    public async Task ContentHeaders_OtherThanTypeAndLength_NeverReachGenlook()
    {
        using var content = new StringContent("""{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}""", Encoding.UTF8, "application/json");
        content.Headers.ContentLanguage.Add("de");
        content.Headers.ContentLocation = new Uri("https://shop.example/elsewhere");
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = "x.json" };
        content.Headers.ContentMD5 = new byte[16];
        content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-9/10");
        content.Headers.Expires = DateTimeOffset.UnixEpoch;
        content.Headers.LastModified = DateTimeOffset.UnixEpoch;

        var response = await _app.ClientFor("admin", scope: "catalog:write").PostAsync("/tryon/v1/products", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_app.Emulator.Requests.All);
        Assert.Empty(received.Headers.Keys.Except(Documented));
        Assert.StartsWith("application/json", received.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetByteCount(received.JsonBody!).ToString(System.Globalization.CultureInfo.InvariantCulture), received.Headers["content-length"]);
    }

    [Fact]
    public async Task AllowlistedHeaders_FromTheApp_ReachGenlook()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(TestImages.Png) { Headers = { ContentType = new("image/png") } }, "file", "me.png" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/images/upload") { Content = form };
        request.Headers.Accept.ParseAdd("application/json");

        var response = await _app.ClientFor("alice").SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_app.Emulator.Requests.All);
        Assert.Equal("application/json", received.Headers["accept"]);
        Assert.Equal(form.Headers.ContentType!.ToString(), received.Headers["content-type"]);
        Assert.True(long.Parse(received.Headers["content-length"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(_app.Emulator.BaseAddress.Authority, received.Headers["host"]);
        Assert.Equal(GatewayApp.ApiKey, received.Headers["x-api-key"]);
    }

    [Fact]
    public async Task TraceContext_FromTheApp_ReachesGenlookAsTheGatewaysOwnSpan_WithoutTheAppsBaggage()
    {
        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string AppSpanId = "00f067aa0ba902b7";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tryon/v1/products");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{TraceId}-{AppSpanId}-01");
        request.Headers.TryAddWithoutValidation("tracestate", "shop=1");
        request.Headers.TryAddWithoutValidation("baggage", "tenant=shop");

        var response = await _app.ClientFor("alice").SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(_app.Emulator.Requests.All);
        var traceparent = received.Headers["traceparent"].Split('-');
        Assert.Equal(TraceId, traceparent[1]); // the app's trace...
        Assert.NotEqual(AppSpanId, traceparent[2]); // ...continued by the gateway's span, not copied
        Assert.Equal("shop=1", received.Headers["tracestate"]);
        Assert.False(received.Headers.ContainsKey("baggage")); // app-chosen content, not Genlook's business
    }

    [Fact]
    public async Task OnKestrel_HopByHopHeaders_NeverReachGenlook()
    {
        // Raw, so nothing between the test and Kestrel drops or rewrites a header.
        await using var app = await GatewayApp.StartAsync(kestrel: true);
        var request = "GET /tryon/v1/products HTTP/1.1\r\n" +
                      $"Host: {app.AnonymousClient().BaseAddress!.Authority}\r\n" +
                      $"Authorization: Bearer {TestTokens.For("alice")}\r\n" +
                      "Connection: keep-alive, X-Foo\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n" +
                      "Upgrade: h2c\r\nExpect: 100-continue\r\nX-Foo: bar\r\nMax-Forwards: 0\r\nVia: 1.1 evil\r\n\r\n";

        var (status, body) = await RawAsync(app, request);

        Assert.Equal(200, status);
        Assert.Contains("items", body, StringComparison.Ordinal);
        var received = Assert.Single(app.Emulator.Requests.All);
        Assert.Empty(received.Headers.Keys.Except(Documented));
    }

    [Fact]
    public async Task OnKestrel_WebSocketUpgrade_IsRouteNotFoundAndNeverForwarded()
    {
        // Genlook has no WebSocket: YARP would forward the handshake (and tunnel whatever answered 101) on any route.
        await using var app = await GatewayApp.StartAsync(kestrel: true);
        var request = "GET /tryon/v1/products HTTP/1.1\r\n" +
                      $"Host: {app.AnonymousClient().BaseAddress!.Authority}\r\n" +
                      $"Authorization: Bearer {TestTokens.For("alice")}\r\n" +
                      "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

        var (status, body) = await RawAsync(app, request);

        Assert.Equal(404, status);
        Assert.Contains("ROUTE_NOT_FOUND", body, StringComparison.Ordinal);
        Assert.Equal(0, app.Emulator.Requests.Count);
    }

    private static HttpRequestMessage RequestFor(string route, string? generationId)
    {
        const string Product = """{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}""";
        return route switch
        {
            "products-list" => new(HttpMethod.Get, "/tryon/v1/products"),
            "product-get" => new(HttpMethod.Get, "/tryon/v1/products/shirt-42"),
            "product-stats" => new(HttpMethod.Get, "/tryon/v1/products/shirt-42/stats"),
            "product-upsert" => new(HttpMethod.Post, "/tryon/v1/products") { Content = new StringContent(Product, Encoding.UTF8, "application/json") },
            "product-patch" => new(HttpMethod.Patch, "/tryon/v1/products/shirt-42") { Content = new StringContent(Product.Replace("Red", "Blue", StringComparison.Ordinal), Encoding.UTF8, "application/json") },
            "product-delete" => new(HttpMethod.Delete, "/tryon/v1/products/shirt-42"),
            "try-on" => new(HttpMethod.Post, "/tryon/v1/try-on")
            {
                Content = new StringContent("""{"products":[""" + Product + """],"person":{"image":{"source":{"url":"https://cdn.example.com/me.jpg"}}}}""", Encoding.UTF8, "application/json"),
            },
            "images-upload" => new(HttpMethod.Post, "/tryon/v1/images/upload")
            {
                Content = new MultipartFormDataContent { { new ByteArrayContent(TestImages.Png) { Headers = { ContentType = new("image/png") } }, "file", "me.png" } },
            },
            "generation-status" => new(HttpMethod.Get, "/tryon/v1/generations/" + generationId),
            _ => throw new ArgumentOutOfRangeException(nameof(route)),
        };
    }

    /// <summary>Sends one raw HTTP/1.1 request; reads the status and the body (raw, chunk sizes included, when chunked).</summary>
    private static async Task<(int Status, string Body)> RawAsync(GatewayApp app, string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = new TcpClient();
        var address = app.AnonymousClient().BaseAddress!;
        await socket.ConnectAsync(address.Host, address.Port, timeout.Token);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        var received = new StringBuilder();
        var buffer = new byte[8192];
        while (true)
        {
            var text = received.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var head = text[..end].Split("\r\n");
                var body = text[(end + 4)..];
                var length = head.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } line
                    ? int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
                    : (int?)null;
                var chunked = head.Any(l => l.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase));
                if (chunked ? body.EndsWith("0\r\n\r\n", StringComparison.Ordinal) : body.Length >= (length ?? 0))
                {
                    return (int.Parse(head[0][9..12], System.Globalization.CultureInfo.InvariantCulture), body);
                }
            }

            var read = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(read > 0, "the gateway closed the connection before answering: " + text);
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }
}
