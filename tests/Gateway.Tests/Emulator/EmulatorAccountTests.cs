using System.Net;
using System.Text;
using Genlook.Emulator;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Emulator;

/// <summary>
/// Each Genlook account has its own catalog, uploads and generations (errors.txt: GENERATION_NOT_FOUND "doesn't exist
/// on the account"). The emulator serves several accounts at once (the gateway's Development mode points every account
/// without a BaseUrl at one emulator), so it must keep them apart as Genlook does, or a request sent to the wrong
/// account would pass unnoticed.
/// </summary>
public sealed class EmulatorAccountTests : IAsyncLifetime
{
    private const string PersonByUrl = "\"person\":{\"image\":{\"source\":{\"url\":\"https://cdn.example.com/me.jpg\"}}}";

    private GenlookEmulatorHost _emulator = null!;
    private GatewayApp _app = null!;

    public async Task InitializeAsync()
    {
        // One emulator, both accounts' keys.
        _emulator = await GenlookEmulatorHost.StartAsync(new EmulatorOptions { ApiKeys = [GatewayApp.ApiKey, GatewayApp.SecondApiKey], Strict = true });
        _app = await GatewayApp.StartAsync(emulator: _emulator, settings: new Dictionary<string, string?>
        {
            ["Genlook:Accounts:second:BaseUrl"] = _emulator.BaseAddress.GetLeftPart(UriPartial.Authority),
            ["Genlook:Accounts:second:ApiKey"] = GatewayApp.SecondApiKey,
            ["Genlook:AccountClaim"] = "genlook_account",
            ["Genlook:DefaultAccount"] = "default",
        });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task Products_CreatedOnOneAccount_AreNotFoundOnAnother()
    {
        var created = await _app.ClientFor("admin", scope: "catalog:write", account: "second").PostAsync("/tryon/v1/products",
            new StringContent("""{"externalId":"shirt-42","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var onDefault = new AppSession(_app.ClientFor("alice", account: "default"));

        var reference = await onDefault.TryOnAsync("""{"products":[{"externalId":"shirt-42"}],PERSON}""".Replace("PERSON", PersonByUrl, StringComparison.Ordinal));

        await ErrorAssert.IsError(reference, HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        await ErrorAssert.IsError(await onDefault.Client.GetAsync("/tryon/v1/products/shirt-42"), HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        Assert.Equal(0, (await AppSession.JsonAsync(await onDefault.Client.GetAsync("/tryon/v1/products"))).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task GenerationAndUpload_OfOneAccount_AreUnknownToAnother()
    {
        var onSecond = new AppSession(_app.ClientFor("alice", account: "second"));
        var generationId = await onSecond.TryOnGenerationIdAsync(await onSecond.UploadImageIdAsync());
        var imageId = await onSecond.UploadImageIdAsync();
        using var asDefault = new HttpClient { BaseAddress = _app.Emulator.BaseAddress };
        asDefault.DefaultRequestHeaders.Add("x-api-key", GatewayApp.ApiKey);

        var status = await asDefault.GetAsync($"/tryon/v1/generations/{generationId}");
        var tryOn = await asDefault.PostAsync("/tryon/v1/try-on", new StringContent(
            """{"products":[{"title":"t","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"id":"IMAGE"}}}}""".Replace("IMAGE", imageId, StringComparison.Ordinal),
            Encoding.UTF8, "application/json"));

        await ErrorAssert.IsError(status, HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
        await ErrorAssert.IsError(tryOn, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(HttpStatusCode.OK, (await onSecond.GenerationAsync(generationId)).StatusCode);
    }
}
