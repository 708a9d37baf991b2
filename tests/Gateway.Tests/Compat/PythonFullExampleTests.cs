using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Compat;

/// <summary>
/// Genlook's Python full example (genlook-docs/full-example-python.txt), request for request, with only the base URL
/// and the Authorization header changed: upload, reference try-on, PRODUCT_NOT_FOUND, inline upsert, then the final
/// poll rewritten as a watch (docs/api.md, "Watch a generation"), and the original poll once more.
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

        // 3. watch(gen_id) of docs/api.md: the same GET with Accept: text/event-stream, each `data:` line a status, until final.
        string? status = null;
        JsonElement result = default;
        using (var watch = new HttpRequestMessage(HttpMethod.Get, $"/tryon/v1/generations/{generationId}"))
        {
            watch.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            using var stream = await session.SendAsync(watch, HttpCompletionOption.ResponseHeadersRead, bounded.Token);
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            using var lines = new StreamReader(await stream.Content.ReadAsStreamAsync(bounded.Token));
            var data = new StringBuilder();
            while (await lines.ReadLineAsync(bounded.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line.AsSpan(5).TrimStart(' '));
                }
                else if (line.Length == 0 && data.Length > 0)
                {
                    result = JsonDocument.Parse(data.ToString()).RootElement.Clone();
                    data.Clear();
                    status = result.GetProperty("status").GetString();
                    if (status is "COMPLETED" or "FAILED")
                    {
                        break;
                    }
                }
            }
        }

        Assert.Equal("COMPLETED", status);
        Assert.StartsWith("http", result.GetProperty("resultImageUrl").GetString());

        // The script's original poll(gen_id) still works against the gateway: the same final status, from the cache.
        var poll = await session.GetAsync($"/tryon/v1/generations/{generationId}");
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        Assert.Equal("COMPLETED", JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        // The second run of the script: the reference call succeeds at once.
        var again = await session.PostAsync("/tryon/v1/try-on", Json(new { product = new { externalId = "shirt-42" }, customer = new { id = imageId } }));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
