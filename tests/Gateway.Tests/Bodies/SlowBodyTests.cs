using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Genlook.Gateway.Tests.Bodies;

/// <summary>
/// A client that sends its body too slowly (a slowloris, or a phone losing signal) is cut off by Kestrel's
/// <c>MinRequestBodyDataRate</c>; the gateway answers it as a body it could not read, not as a defect of its own.
/// </summary>
public sealed class SlowBodyTests
{
    [Fact]
    public async Task TryOn_JsonBodyArrivingTooSlowly_IsValidationFailedNotInternalError()
    {
        // Kestrel's default rate (240 B/s), with a grace period of 1.5 s instead of 5 s.
        await using var app = await GatewayApp.StartAsync(kestrel: true, services: services =>
            services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(1.5))));
        var address = app.AnonymousClient().BaseAddress!;
        using var socket = new TcpClient();
        await socket.ConnectAsync(address.Host, address.Port);
        var stream = socket.GetStream();

        // The headers announce 4 KB; a few bytes follow, and then nothing (the socket stays open).
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /tryon/v1/try-on HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {TestTokens.For("alice")}\r\n" +
            "Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"products\":[{\"externalId\":\"shirt-42\"}],"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.StartsWith("HTTP/1.1 400 ", statusLine, StringComparison.Ordinal);
        var json = response[response.IndexOf('{', StringComparison.Ordinal)..(response.LastIndexOf('}') + 1)];
        var error = JsonDocument.Parse(json).RootElement;
        Assert.Equal("VALIDATION_FAILED", error.GetProperty("code").GetString());
        Assert.Equal("body", error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.Equal(0, app.Emulator.Requests.Count);
    }
}
