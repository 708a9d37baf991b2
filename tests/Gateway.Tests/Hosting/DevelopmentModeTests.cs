using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Genlook.Gateway.Tests.Hosting;

/// <summary>
/// README command 1: in Development, with no configuration at all, the gateway runs against its embedded emulator
/// and hands out development tokens; a whole app session works.
/// </summary>
public sealed class DevelopmentModeTests
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

    [Fact]
    public async Task Development_WithNoConfiguration_ServesAWholeSessionFromTheEmbeddedEmulator()
    {
        await using var app = new DevelopmentApp(Ports.Free());
        var client = app.CreateDefaultClient(new OpenApiValidatingHandler(OpenApiContract.Gateway, () => true));

        var tokenResponse = await client.PostAsync("/dev/token?sub=alice", null);
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var upload = new MultipartFormDataContent();
        var image = new ByteArrayContent(TestImages.Png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        upload.Add(image, "file", "me.png");
        var uploaded = await client.PostAsync("/tryon/v1/images/upload", upload);
        Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
        var imageId = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync()).RootElement.GetProperty("imageId").GetString();

        var tryOn = await client.PostAsync("/tryon/v1/try-on", new StringContent(
            """{"products":[{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/red-tee.jpg"}}]}],"person":{"image":{"source":{"id":"__IMAGEID__"}}}}""".Replace("__IMAGEID__", imageId, StringComparison.Ordinal),
            System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, tryOn.StatusCode);
        var generationId = JsonDocument.Parse(await tryOn.Content.ReadAsStringAsync()).RootElement.GetProperty("generationId").GetString();

        // The embedded emulator's own timers move the generation on: polled, with a bound.
        var status = default(JsonElement);
        await Poll.UntilAsync(async () =>
        {
            var poll = await client.GetAsync($"/tryon/v1/generations/{generationId}");
            Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
            status = JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement.Clone();
            return status.GetProperty("status").GetString() == "COMPLETED";
        }, TimeSpan.FromSeconds(20));

        Assert.Equal("COMPLETED", status.GetProperty("status").GetString());
        using var direct = new HttpClient();
        var result = await direct.GetAsync(status.GetProperty("resultImageUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("image/png", result.Content.Headers.ContentType?.MediaType);
    }

}
