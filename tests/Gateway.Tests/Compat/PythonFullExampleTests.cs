using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Compat;

/// <summary>
/// Genlook's Python full example (genlook-docs/full-example-python.txt), request for request, with only the base URL
/// and the Authorization header changed: upload, reference try-on, PRODUCT_NOT_FOUND, inline upsert, poll.
/// </summary>
public sealed class PythonFullExampleTests
{
    [Fact]
    public async Task PythonFullExample_AgainstGateway_CompletesWithOnlyBaseUrlAndAuthorizationChanged()
    {
        await using var app = await GatewayApp.StartAsync();
        var session = app.ClientFor("shopper-1");

        // 1. upload_customer: files={"file": (name, f, "image/jpeg")}, data={"crop": "true"}
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(TestImages.Jpeg(4096));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(new StringContent("true"), "crop");
        form.Add(file, "file", "customer.jpg");
        var upload = await session.PostAsync("/tryon/v1/images/upload", form);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var imageId = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("imageId").GetString()!;

        // 2. try_on: reference first ({"product": {"externalId"}, "customer": {"id"}}) ...
        var reference = await session.PostAsync("/tryon/v1/try-on", Json(new { product = new { externalId = "shirt-42" }, customer = new { id = imageId } }));
        Assert.Equal(HttpStatusCode.NotFound, reference.StatusCode);
        Assert.Equal("PRODUCT_NOT_FOUND", JsonDocument.Parse(await reference.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());

        // ... then the inline upsert ({**full_payload, "externalId"} with images: [{"url"}]).
        var upsert = await session.PostAsync("/tryon/v1/try-on", Json(new
        {
            product = new { title = "Red tee", description = "Soft cotton regular fit", images = new[] { new { url = "https://cdn.example.com/red-tee.jpg" } }, externalId = "shirt-42" },
            customer = new { id = imageId },
        }));
        Assert.Equal(HttpStatusCode.OK, upsert.StatusCode);
        var queued = JsonDocument.Parse(await upsert.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("shirt-42", queued.GetProperty("productExternalId").GetString());
        var generationId = queued.GetProperty("generationId").GetString();

        // 3. poll until COMPLETED (bounded).
        string? status = null;
        JsonElement result = default;
        await Poll.UntilAsync(async () =>
        {
            var poll = await session.GetAsync($"/tryon/v1/generations/{generationId}");
            Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
            result = JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement.Clone();
            status = result.GetProperty("status").GetString();
            return status is "COMPLETED" or "FAILED";
        }, TimeSpan.FromSeconds(20));

        Assert.Equal("COMPLETED", status);
        Assert.StartsWith("http", result.GetProperty("resultImageUrl").GetString());

        // The second run of the script: the reference call succeeds at once.
        var again = await session.PostAsync("/tryon/v1/try-on", Json(new { product = new { externalId = "shirt-42" }, customer = new { id = imageId } }));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
