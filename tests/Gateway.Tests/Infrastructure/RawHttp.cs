using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>
/// Sends bytes no HTTP client would (framing tricks) over a raw socket, and reads the answer until the server closes the
/// connection (bounded): <see cref="RawResponse.Closed"/> says whether it did.
/// </summary>
public static class RawHttp
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(10);

    public static async Task<RawResponse> SendAsync(Uri server, string request) => await SendAsync(server, Encoding.Latin1.GetBytes(request));

    public static async Task<RawResponse> SendAsync(Uri server, byte[] request)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(server.Host, server.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(request);

        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        var closed = false;
        using var wait = new CancellationTokenSource(CloseWait);
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, wait.Token);
                if (read == 0)
                {
                    closed = true;
                    break;
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            // Still open after the bound: the server kept the connection.
        }
        catch (IOException)
        {
            closed = true; // reset after the answer
        }

        return RawResponse.Parse(received.ToArray(), closed);
    }
}

/// <summary>One HTTP/1.1 response as received (a chunked body decoded), and whether the server closed the connection after it.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body, bool Closed)
{
    public static RawResponse Parse(byte[] bytes, bool closed)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, $"no complete response head in: {text}");
        var lines = text[..headEnd].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = text[(headEnd + 4)..];
        if (headers.TryGetValue("Transfer-Encoding", out var coding) && coding.Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var decoded = new StringBuilder();
            var position = 0;
            while (true)
            {
                var sizeEnd = body.IndexOf("\r\n", position, StringComparison.Ordinal);
                var size = Convert.ToInt32(body[position..sizeEnd], 16);
                if (size == 0)
                {
                    break;
                }

                decoded.Append(body, sizeEnd + 2, size);
                position = sizeEnd + 2 + size + 2;
            }

            body = decoded.ToString();
        }

        return new RawResponse(status, headers, body, closed);
    }

    /// <summary>The body as the contract's error shape with this status and code.</summary>
    public JsonElement AssertError(int status, string code)
    {
        Assert.True(Status == status, $"expected {status} {code}, got {Status}: {Body}");
        Assert.StartsWith("application/json", Headers.GetValueOrDefault("Content-Type") ?? "", StringComparison.Ordinal);
        var root = JsonDocument.Parse(Body).RootElement.Clone();
        Assert.Equal(code, root.GetProperty("code").GetString());
        Assert.Equal(status, root.GetProperty("status").GetInt32());
        return root;
    }
}
