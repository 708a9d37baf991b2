using System.Text;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Proxy;

/// <summary>
/// Requests the server itself would refuse with an empty body: where the gateway can decide first (Kestrel's limit raised
/// above its own), the answer has the contract shape; what Kestrel refuses before any middleware runs stays a bare
/// status with the connection closed (listed in the README).
/// </summary>
public sealed class ServerRejectionTests(RequestFramingTests.Server server) : IClassFixture<RequestFramingTests.Server>
{
    private GatewayApp App => server.App;

    private static string Get(string target, string fields = "", string version = "HTTP/1.1") =>
        $"GET {target} {version}\r\nHost: localhost\r\nAuthorization: Bearer {TestTokens.For("alice")}\r\n{fields}Connection: close\r\n\r\n";

    private static string ManyFields(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"X-Field-{i}: v\r\n"));

    [Fact]
    public async Task Get_MoreHeaderFieldsThanTheGatewayAllows_IsRequestHeadersTooLargeInTheContractShape()
    {
        App.Emulator.Requests.Clear();

        var response = await RawHttp.SendAsync(server.Address, Get("/tryon/v1/products", ManyFields(150)));

        response.AssertError(431, "REQUEST_HEADERS_TOO_LARGE");
        Assert.Equal(0, App.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Get_RepeatedHeaderFieldLines_AreCountedOneByOne()
    {
        var fields = string.Concat(Enumerable.Repeat("X-Same: v\r\n", 150));

        var response = await RawHttp.SendAsync(server.Address, Get("/tryon/v1/products", fields));

        response.AssertError(431, "REQUEST_HEADERS_TOO_LARGE");
    }

    [Fact]
    public async Task Get_TargetLongerThanAnyRoute_IsRouteNotFoundInTheContractShape()
    {
        App.Emulator.Requests.Clear();

        var response = await RawHttp.SendAsync(server.Address, Get("/tryon/v1/products/" + new string('a', 20_000)));

        response.AssertError(404, "ROUTE_NOT_FOUND");
        Assert.Equal(0, App.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Get_QueryMakingTheTargetTooLong_IsRouteNotFoundInTheContractShape()
    {
        var response = await RawHttp.SendAsync(server.Address, Get("/tryon/v1/products?q=" + new string('a', 10_000)));

        response.AssertError(404, "ROUTE_NOT_FOUND");
    }

    /// <summary>Refused by Kestrel while it parses the request head, before the gateway sees it: no body can be given.</summary>
    [Theory]
    [InlineData("fields-over-server-limit", 431)]
    [InlineData("target-over-server-limit", 414)]
    [InlineData("nul-in-path", 400)]
    [InlineData("method-with-separator", 400)]
    [InlineData("no-host", 400)]
    [InlineData("two-hosts", 400)]
    [InlineData("absolute-form-other-host", 400)]
    [InlineData("http-1.2", 505)]
    public async Task Get_RequestHeadKestrelRefuses_IsABareStatusAndTheConnectionClosed(string shape, int status)
    {
        App.Emulator.Requests.Clear();
        var token = $"Authorization: Bearer {TestTokens.For("alice")}\r\n";
        var request = shape switch
        {
            "fields-over-server-limit" => Get("/tryon/v1/products", ManyFields(1001)),
            "target-over-server-limit" => Get("/tryon/v1/products/" + new string('a', 70_000)),
            "nul-in-path" => Get("/tryon/v1/products/a%00b"),
            "method-with-separator" => $"G(T /tryon/v1/products HTTP/1.1\r\nHost: localhost\r\n{token}\r\n",
            "no-host" => $"GET /tryon/v1/products HTTP/1.1\r\n{token}\r\n",
            "two-hosts" => $"GET /tryon/v1/products HTTP/1.1\r\nHost: a\r\nHost: b\r\n{token}\r\n",
            "absolute-form-other-host" => $"GET http://genlook.example/tryon/v1/products HTTP/1.1\r\nHost: localhost\r\n{token}\r\n",
            "http-1.2" => Get("/tryon/v1/products", version: "HTTP/1.2"),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };

        var response = await RawHttp.SendAsync(server.Address, Encoding.Latin1.GetBytes(request));

        Assert.Equal(status, response.Status);
        Assert.Equal("", response.Body);
        Assert.True(response.Closed);
        Assert.Equal(0, App.Emulator.Requests.Count);
    }
}
