using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>What an app does through the gateway, as one user: upload, try-on, poll.</summary>
public sealed class AppSession(HttpClient client)
{
    public HttpClient Client => client;

    public async Task<HttpResponseMessage> UploadAsync(byte[]? image = null, IDictionary<string, string>? fields = null, string fileName = "me.png", string contentType = "image/png")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image ?? TestImages.Png);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            form.Add(new StringContent(value), name);
        }

        return await client.PostAsync("/tryon/v1/images/upload", form);
    }

    public async Task<string> UploadImageIdAsync()
    {
        var response = await UploadAsync();
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("imageId").GetString()!;
    }

    public Task<HttpResponseMessage> TryOnAsync(string json) =>
        client.PostAsync("/tryon/v1/try-on", new StringContent(json, Encoding.UTF8, "application/json"));

    public async Task<string> TryOnGenerationIdAsync(string imageId, string product = """{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}""")
    {
        var response = await TryOnAsync("""{"products":[__PRODUCT__],"person":{"image":{"source":{"id":"__IMAGEID__"}}}}""".Replace("__PRODUCT__", product, StringComparison.Ordinal).Replace("__IMAGEID__", imageId, StringComparison.Ordinal));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("generationId").GetString()!;
    }

    public Task<HttpResponseMessage> GenerationAsync(string id) => client.GetAsync($"/tryon/v1/generations/{id}");

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static JsonContent Json(object value) => JsonContent.Create(value);
}
