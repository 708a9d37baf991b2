using System.Net;
using System.Text;
using Genlook.Emulator;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Genlook.Gateway.Tests.Emulator;

/// <summary>
/// Genlook's product lifetimes (breaking-changes-alpha-to-v1: "Product lifetimes by creation path"), through the gateway:
/// inline-created products live 15 days from their last use, one-shots 7, <c>POST /products</c> ones forever. An
/// emulator that kept every product forever would never show an app the documented "PRODUCT_NOT_FOUND (or has
/// expired)" answer that the Python full example is built around.
/// </summary>
public sealed class ProductLifetimeTests : IAsyncLifetime
{
    private const string PersonByUrl = "\"person\":{\"image\":{\"source\":{\"url\":\"https://cdn.example.com/me.jpg\"}}}";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-07-01T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private GenlookEmulatorHost _emulator = null!;
    private GatewayApp _app = null!;
    private AppSession _alice = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _emulator = await GenlookEmulatorHost.StartAsync(new EmulatorOptions { ApiKeys = [GatewayApp.ApiKey], Strict = true }, time: _time);
        _app = await GatewayApp.StartAsync(emulator: _emulator);
        _alice = new AppSession(_app.ClientFor("alice"));
        _admin = _app.ClientFor("admin", scope: "catalog:write");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task TryOn_InlineProductUnusedForFifteenDays_IsProductNotFoundUntilUpsertedAgain()
    {
        var inline = """{"products":[{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],PERSON}""".Replace("PERSON", PersonByUrl, StringComparison.Ordinal);
        var reference = """{"products":[{"externalId":"shirt-42"}],PERSON}""".Replace("PERSON", PersonByUrl, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _alice.TryOnAsync(inline)).StatusCode);
        Assert.Equal(15, (await AppSession.JsonAsync(await _alice.Client.GetAsync("/tryon/v1/products/shirt-42"))).GetProperty("validForDays").GetInt32());

        // Every generation refreshes the timer: 14 days, a use, 14 more days, still there.
        _time.Advance(TimeSpan.FromDays(14));
        Assert.Equal(HttpStatusCode.OK, (await _alice.TryOnAsync(reference)).StatusCode);
        _time.Advance(TimeSpan.FromDays(14));
        Assert.Equal(HttpStatusCode.OK, (await _alice.TryOnAsync(reference)).StatusCode);

        _time.Advance(TimeSpan.FromDays(15));
        await ErrorAssert.IsError(await _alice.TryOnAsync(reference), HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        await ErrorAssert.IsError(await _alice.Client.GetAsync("/tryon/v1/products/shirt-42"), HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        Assert.Equal(0, (await AppSession.JsonAsync(await _alice.Client.GetAsync("/tryon/v1/products"))).GetProperty("total").GetInt32());

        // The documented recovery: retry with the full inline payload.
        Assert.Equal(HttpStatusCode.OK, (await _alice.TryOnAsync(inline)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _alice.TryOnAsync(reference)).StatusCode);
    }

    [Fact]
    public async Task TryOn_OneShotProductAfterSevenDays_IsGoneWhileCatalogProductIsKeptForever()
    {
        var oneShot = await _alice.TryOnAsync("""{"products":[{"images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],PERSON}""".Replace("PERSON", PersonByUrl, StringComparison.Ordinal));
        var anonId = (await AppSession.JsonAsync(oneShot)).GetProperty("productExternalId").GetString();
        var stored = await _admin.PostAsync("/tryon/v1/products", new StringContent(
            """{"externalId":"catalog-1","images":[{"source":{"url":"https://cdn.example.com/b.jpg"}}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _alice.Client.GetAsync($"/tryon/v1/products/{anonId}")).StatusCode);

        _time.Advance(TimeSpan.FromDays(7));

        await ErrorAssert.IsError(await _alice.Client.GetAsync($"/tryon/v1/products/{anonId}"), HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        _time.Advance(TimeSpan.FromDays(365));
        Assert.Equal(HttpStatusCode.OK, (await _alice.Client.GetAsync("/tryon/v1/products/catalog-1")).StatusCode);
    }
}
