using System.Net;
using Genlook.Gateway.Hosting;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Genlook.Gateway.Tests.Hosting;

/// <summary>
/// The demo web app (samples/web/dist, copied beside the binary) is served at / in Development only, and serving it
/// changes nothing for the gateway's routes and the 404 of everything else.
/// </summary>
public sealed class DemoAppTests
{
    private sealed class DevelopmentApp(int emulatorPort) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Genlook:Emulator:Url", $"http://127.0.0.1:{emulatorPort}");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }

    private static string BundleFolder => Path.Combine(AppContext.BaseDirectory, DemoAppExtensions.FolderName);

    [Fact]
    public async Task Root_InDevelopment_ServesTheDemoAppAndItsBundle()
    {
        await using var app = new DevelopmentApp(Ports.Free());
        var client = app.CreateClient();

        var page = await client.GetAsync("/");
        var script = await client.GetAsync("/app.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Virtual try-on", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("POST", "/")]
    [InlineData("DELETE", "/index.html")]
    [InlineData("GET", "/missing.js")]
    [InlineData("GET", "/sample-products")]
    [InlineData("GET", "/tryon/v1/unknown")]
    [InlineData("GET", "/tryon/v1/products/")]
    public async Task OtherRequests_InDevelopment_StayRouteNotFound(string method, string path)
    {
        await using var app = new DevelopmentApp(Ports.Free());
        var client = app.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
    }

    [Fact]
    public async Task GatewayRoute_InDevelopment_StillNeedsAToken()
    {
        await using var app = new DevelopmentApp(Ports.Free());
        var client = app.CreateClient();

        var response = await client.GetAsync("/tryon/v1/products");

        await ErrorAssert.IsError(response, HttpStatusCode.Unauthorized, "MISSING_TOKEN");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/app.js")]
    public async Task DemoApp_OutsideDevelopment_IsNotServed(string path)
    {
        Assert.True(Directory.Exists(BundleFolder), $"the build copies the bundle to {BundleFolder}");
        await using var app = await GatewayApp.StartAsync();
        var client = app.AnonymousClient();

        var response = await client.GetAsync(path);

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
    }
}
