using System.Text;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Proxy;

/// <summary>
/// Request framing (RFC 9110 §8.6, RFC 9112 §6.3) from a raw socket on the real server: what another HTTP implementation
/// in front could frame differently is refused, nothing is forwarded, and the connection is closed after the answer.
/// </summary>
public sealed class RequestFramingTests(RequestFramingTests.Server server) : IClassFixture<RequestFramingTests.Server>
{
    private const string Body = "{\"products\":[{\"externalId\":\"p1\"}]}";

    private GatewayApp App => server.App;

    private static string Head(string version = "HTTP/1.1", string path = "/tryon/v1/products") =>
        $"POST {path} {version}\r\nHost: localhost\r\nAuthorization: Bearer {TestTokens.For("admin", scope: "catalog:write")}\r\nContent-Type: application/json\r\n";

    private static string Chunked(string body) => $"{Encoding.UTF8.GetByteCount(body):x}\r\n{body}\r\n0\r\n\r\n";

    [Theory]
    [InlineData("+34")] // Jetty's CVE-2023-40167: Kestrel 10.0 reads 83 from +83
    [InlineData("+0034")]
    [InlineData("-0")]
    public async Task Post_ContentLengthWithASign_IsValidationFailedOnContentLengthClosedAndNothingForwarded(string contentLength)
    {
        App.Emulator.Requests.Clear();

        var response = await RawHttp.SendAsync(server.Address, Head() + $"Content-Length: {contentLength}\r\n\r\n" + Body);

        var error = response.AssertError(400, "VALIDATION_FAILED");
        Assert.Equal("Content-Length", error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.True(response.Closed, "the connection stays open after a request of doubtful framing");
        Assert.Equal(0, App.Emulator.Requests.Count);
    }

    [Theory]
    [InlineData("HTTP/1.1", "Transfer-Encoding: gzip, chunked\r\n")] // a coding nobody here decodes
    [InlineData("HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")] // chunked twice (RFC 9112 §6.1)
    [InlineData("HTTP/1.1", "Transfer-Encoding: chunked, chunked\r\n")]
    [InlineData("HTTP/1.0", "Transfer-Encoding: chunked\r\n")] // faulty framing in HTTP/1.0 (RFC 9112 §6.1)
    public async Task Post_TransferEncodingOtherThanChunkedAlone_IsValidationFailedOnTransferEncodingClosedAndNothingForwarded(string version, string fields)
    {
        App.Emulator.Requests.Clear();

        var response = await RawHttp.SendAsync(server.Address, Head(version) + fields + "\r\n" + Chunked(Body));

        var error = response.AssertError(400, "VALIDATION_FAILED");
        Assert.Equal("Transfer-Encoding", error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.True(response.Closed);
        Assert.Equal(0, App.Emulator.Requests.Count);
    }

    /// <summary>Broken framing Kestrel refuses before any middleware runs: a bare 400 and a closed connection (README).</summary>
    [Theory]
    [InlineData("Content-Length: 34, 34\r\n")]
    [InlineData("Content-Length: 34\r\nContent-Length: 34\r\n")]
    [InlineData("Content-Length: 34\r\nContent-Length: 5\r\n")]
    [InlineData("Content-Length: 0x22\r\n")]
    [InlineData("Content-Length: 3 4\r\n")]
    [InlineData("Content-Length: \r\n")]
    [InlineData("Content-Length: 99999999999999999999999\r\n")]
    [InlineData("Transfer-Encoding: chunked, gzip\r\n")]
    [InlineData("Transfer-Encoding: identity\r\n")]
    [InlineData("Content-Length : 34\r\n")]
    [InlineData("Content-Length: 34\r\nX-Folded: a\r\n b\r\n")] // obs-fold
    [InlineData("Content-Length:\r\n 34\r\n")]
    [InlineData("Content-Length: 34\r\nX-Value: a\rb\r\n")]
    [InlineData("Content-Length: 34\r\nX-Value: a\0b\r\n")]
    [InlineData("X-Value: a\nContent-Length: 34\r\n")] // a bare LF (a front server may read one field where Kestrel reads two)
    public async Task Post_FramingKestrelRefuses_IsBare400ClosedAndNothingForwarded(string fields)
    {
        App.Emulator.Requests.Clear();

        var response = await RawHttp.SendAsync(server.Address, Head() + fields + "\r\n" + Body);

        Assert.Equal(400, response.Status);
        Assert.Equal("", response.Body);
        Assert.True(response.Closed);
        Assert.Equal(0, App.Emulator.Requests.Count);
    }

    [Theory]
    [InlineData("Content-Length: 0034\r\n")] // 1*DIGIT allows leading zeros
    [InlineData("Content-Length: \t34 \r\n")] // optional whitespace around the value
    [InlineData("Transfer-Encoding: Chunked\r\n")] // coding names are case-insensitive
    public async Task Post_WellFramed_IsForwardedWithTheWholeBody(string fields)
    {
        App.Emulator.Requests.Clear();
        var body = fields.StartsWith("Transfer", StringComparison.Ordinal) ? Chunked(Body) : Body;

        var response = await RawHttp.SendAsync(server.Address, Head() + fields + "Connection: close\r\n\r\n" + body);

        var received = Assert.Single(App.Emulator.Requests.All);
        Assert.Equal(Body, received.JsonBody);
        Assert.Equal(received.StatusCode, response.Status); // Genlook's own answer (it validates the product), passed through
    }

    [Fact]
    public async Task Post_ContentLengthAndTransferEncoding_IsFramedByChunkedAloneAndTheConnectionClosed()
    {
        // RFC 9112 §6.3: process by Transfer-Encoding and close after answering (what Kestrel does, and drops Content-Length).
        App.Emulator.Requests.Clear();

        var response = await RawHttp.SendAsync(server.Address, Head() + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(Body));

        Assert.Equal(Body, Assert.Single(App.Emulator.Requests.All).JsonBody);
        Assert.True(response.Closed);
    }

    public sealed class Server : IAsyncLifetime
    {
        public GatewayApp App { get; private set; } = null!;

        public Uri Address => App.AnonymousClient().BaseAddress!;

        public async Task InitializeAsync() => App = await GatewayApp.StartAsync(kestrel: true);

        public async Task DisposeAsync() => await App.DisposeAsync();
    }
}
