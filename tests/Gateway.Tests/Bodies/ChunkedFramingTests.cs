using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Genlook.Gateway.Tests.Bodies;

/// <summary>
/// A chunked body whose framing is broken (RFC 9112 §7.1) is the client's fault on every write route: 400 in the
/// contract shape (or Kestrel's bare 400 and close, if it refuses before the gateway reads), nothing forwarded, no
/// 500 and no error logged with a stack trace. Sent over a raw socket: an HTTP client would not frame it so.
/// </summary>
public sealed class ChunkedFramingTests
{
    private const string Json = "{\"products\":[{\"externalId\":\"shirt-42\"}]}";

    public static TheoryData<string, string> BrokenChunkedBodies => new()
    {
        // The chunk size overflows a long: Kestrel's parser throws IOException(OverflowException), which was a 500.
        { "overflowing size", "ffffffffffffffffff\r\n" + Json + "\r\n0\r\n\r\n" },
        { "non-hex size", "zz\r\n" + Json + "\r\n0\r\n\r\n" },
        { "data not followed by CRLF", $"{Json.Length:x}\r\n{Json}XX0\r\n\r\n" },
        { "size followed by a bare LF", $"{Json.Length:x}\n{Json}\r\n0\r\n\r\n" },
        { "chunk extension with a bare LF", $"{Json.Length:x};ext=\"a\nb\"\r\n{Json}\r\n0\r\n\r\n" },
        { "chunk extension with a bare CR", $"{Json.Length:x};a\rb\r\n{Json}\r\n0\r\n\r\n" },
        { "size larger than the data", $"{Json.Length + 40:x}\r\n{Json}\r\n0\r\n\r\n" },
        { "trailer line without a colon", $"{Json.Length:x}\r\n{Json}\r\n0\r\nnot a header\r\n\r\n" },
        { "trailer folded onto a second line", $"{Json.Length:x}\r\n{Json}\r\n0\r\nX-A: 1\r\n folded\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(BrokenChunkedBodies))]
    public async Task TryOn_BrokenChunkedFraming_IsBadRequestAndNothingForwarded(string why, string chunkedBody)
    {
        await AssertRefusedAsync("/tryon/v1/try-on", "application/json", chunkedBody, why);
    }

    [Theory]
    [MemberData(nameof(BrokenChunkedBodies))]
    public async Task Upload_BrokenChunkedFraming_IsBadRequestAndNothingForwarded(string why, string chunkedBody)
    {
        await AssertRefusedAsync("/tryon/v1/images/upload", "multipart/form-data; boundary=xyz", chunkedBody, why);
    }

    private static async Task AssertRefusedAsync(string path, string contentType, string chunkedBody, string why)
    {
        await using var app = await GatewayApp.StartAsync(kestrel: true, services: services => services.AddFakeLogging());
        var logs = app.Services.GetFakeLogCollector();
        var address = app.AnonymousClient().BaseAddress!;
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        var stream = socket.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {TestTokens.For("alice")}\r\n" +
            $"Content-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n\r\n{chunkedBody}"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(statusLine?.StartsWith("HTTP/1.1 400 ", StringComparison.Ordinal), $"{why}: {statusLine}");
        if (response.IndexOf('{', StringComparison.Ordinal) is var start and >= 0)
        {
            var error = JsonDocument.Parse(response[start..(response.LastIndexOf('}') + 1)]).RootElement;
            Assert.Equal("VALIDATION_FAILED", error.GetProperty("code").GetString());
            Assert.Equal(400, error.GetProperty("status").GetInt32());
            Assert.Equal("body", error.GetProperty("details")[0].GetProperty("path").GetString());
        }

        Assert.Equal(0, app.Emulator.Requests.Count);
        Assert.DoesNotContain(logs.GetSnapshot(), record => record.Level >= LogLevel.Error || record.Exception is not null && record.Level >= LogLevel.Warning);
    }
}
