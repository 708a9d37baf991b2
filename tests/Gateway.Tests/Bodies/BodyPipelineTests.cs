using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Bodies;

/// <summary>Every bad body is answered by the gateway in the contract shape, and nothing reaches Genlook.</summary>
public sealed class BodyPipelineTests : IAsyncLifetime
{
    private GatewayApp _app = null!;
    private AppSession _alice = null!;

    public async Task InitializeAsync()
    {
        _app = await GatewayApp.StartAsync();
        _alice = new AppSession(_app.ClientFor("alice"));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Upload_FileOverTenMegabytes_IsFileTooLargeAndNothingForwarded()
    {
        var response = await _alice.UploadAsync(TestImages.Jpeg(10 * 1024 * 1024 + 1), fileName: "big.jpg", contentType: "image/jpeg");

        await ErrorAssert.IsError(response, HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Upload_FileOfExactlyTenMegabytes_IsForwardedIntact()
    {
        var image = TestImages.Jpeg(10 * 1024 * 1024);

        var response = await _alice.UploadAsync(image, fileName: "limit.jpg", contentType: "image/jpeg");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var part = Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/images/upload")).Parts.Single(p => p.Name == "file");
        Assert.Equal(image.Length, part.Length);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(image)), part.Sha256Hex, ignoreCase: true);
        Assert.Equal("limit.jpg", part.FileName);
    }

    [Fact]
    public async Task TryOn_MultipartWithOversizedProductFile_IsFileTooLargeAndNothingForwarded()
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("""{"products":[{"title":"t","images":[{"source":{"fileKey":"back"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}"""), "data");
        form.Add(new ByteArrayContent(TestImages.Jpeg(11 * 1024 * 1024)), "back", "back.jpg");

        var response = await _alice.Client.PostAsync("/tryon/v1/try-on", form);

        await ErrorAssert.IsError(response, HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task OnKestrel_TryOnOfSeveralTenMegabyteFilesOverKestrelsDefaultLimit_IsForwarded()
    {
        // Four 9 MB images are 36 MB: legal (each file is under 10 MB), and over Kestrel's default 30 MB body limit.
        await using var app = await GatewayApp.StartAsync(kestrel: true);
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("""{"products":[{"title":"t","images":[{"source":{"fileKey":"a"}},{"source":{"fileKey":"b"}},{"source":{"fileKey":"c"}}]}],"person":{"image":{"source":{"fileKey":"me"}}}}"""), "data");
        foreach (var name in new[] { "a", "b", "c", "me" })
        {
            form.Add(new ByteArrayContent(TestImages.Jpeg(9 * 1024 * 1024)), name, name + ".jpg");
        }

        var response = await app.ClientFor("alice").PostAsync("/tryon/v1/try-on", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
        Assert.Equal(4, forwarded.Parts.Count(p => p.FileName is not null));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OnKestrel_BodyOverTheGatewayLimit_IsFileTooLargeAndNothingForwarded(bool announced)
    {
        // Announced (Content-Length) or streamed (chunked): answered 413 FILE_TOO_LARGE, never a 400 or a reset.
        await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:Limits:MaxRequestBodyBytes"] = (8 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) }, kestrel: true);
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("""{"products":[{"title":"t","images":[{"source":{"fileKey":"a"}},{"source":{"fileKey":"b"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}"""), "data");
        form.Add(new ByteArrayContent(TestImages.Jpeg(5 * 1024 * 1024)), "a", "a.jpg");
        form.Add(new ByteArrayContent(TestImages.Jpeg(5 * 1024 * 1024)), "b", "b.jpg");
        HttpContent content = form;
        if (!announced)
        {
            content = new StreamContent(await form.ReadAsStreamAsync());
            content.Headers.ContentType = form.Headers.ContentType;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/try-on") { Content = content };
        if (!announced)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        var response = await app.ClientFor("alice").SendAsync(request);

        await ErrorAssert.IsError(response, HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE");
        Assert.Equal(0, app.Emulator.Requests.Count);
    }

    [Theory]
    [InlineData("{\"products\":[{\"externalId\":\"x\"}]")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1,2]")]
    public async Task TryOn_MalformedJson_IsValidationFailedWithDetails(string body)
    {
        var response = await _alice.TryOnAsync(body);

        var error = await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.True(error.GetProperty("details").GetArrayLength() > 0);
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_DataFieldThatIsNotJson_IsValidationFailedOnData()
    {
        using var form = new MultipartFormDataContent { { new StringContent("product=x"), "data" } };

        var response = await _alice.Client.PostAsync("/tryon/v1/try-on", form);

        var error = await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal("data", error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_MultipartWithoutDataField_IsValidationFailed()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(TestImages.Png), "me", "me.png" } };

        var response = await _alice.Client.PostAsync("/tryon/v1/try-on", form);

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Theory]
    [InlineData("multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nabc\r\n--x--\r\n")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nabc")]
    [InlineData("multipart/form-data; boundary=x", "garbage without any boundary")]
    [InlineData("multipart/form-data; boundary=x; boundary=y", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n--y\r\n\r\n--x--\r\n")]
    public async Task Upload_BrokenMultipart_IsValidationFailed(string contentType, string body)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await _alice.Client.PostAsync("/tryon/v1/images/upload", content);

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    /// <summary>A valid form (a file and a try-on <c>data</c> field), then one more part with the given headers.</summary>
    private Task<HttpResponseMessage> PostFormWithLastPartAsync(string path, string lastPartHeaders)
    {
        var body = "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n" +
                   Encoding.Latin1.GetString(TestImages.Png) + "\r\n" +
                   "--x\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{\"products\":[{\"externalId\":\"shirt-42\"}],\"person\":{\"image\":{\"source\":{\"url\":\"https://cdn.example.com/p.jpg\"}}}}\r\n" +
                   $"--x\r\n{lastPartHeaders}\r\n\r\nsmuggled\r\n--x--\r\n";
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=x");
        return _alice.Client.PostAsync(path, content);
    }

    [Theory]
    [InlineData("/tryon/v1/images/upload", "externalUserId")]
    [InlineData("/tryon/v1/try-on", "data")]
    public async Task Post_FieldNamedWithQuotedPairEscape_IsValidationFailedAndNothingForwarded(string path, string field)
    {
        // name="external\UserId" is "externalUserId" to an RFC 7578 parser: forwarded beside the gateway's own field, it
        // would let a user pick the attribution (or an unchecked, un-rewritten data body) for any upstream that reads it.
        var escaped = field[..1] + "\\" + field[1..];
        var response = await PostFormWithLastPartAsync(path, $"Content-Disposition: form-data; name=\"{escaped}\"");

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Theory]
    [InlineData("/tryon/v1/images/upload", "externalUserId")]
    [InlineData("/tryon/v1/images/upload", "customerId")]
    [InlineData("/tryon/v1/images/upload", "retentionDays")]
    [InlineData("/tryon/v1/try-on", "data")]
    public async Task Post_FieldTheGatewayRewritesSentAsFile_IsValidationFailedAndNothingForwarded(string path, string field)
    {
        // RFC 7578 (4.2) forbids filename*, so a parser that follows it reads this part as the text field itself: a
        // second externalUserId (or an unrewritten data) beside the gateway's, had the gateway passed it on as a file.
        var response = await PostFormWithLastPartAsync(path, $"Content-Disposition: form-data; name=\"{field}\"; filename*=UTF-8''v.txt");

        var error = await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(field, error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Theory]
    [InlineData("/tryon/v1/try-on", "text/plain")]
    [InlineData("/tryon/v1/images/upload", "application/json")]
    [InlineData("/tryon/v1/try-on", "application/x-www-form-urlencoded")]
    public async Task Post_WrongContentType_IsValidationFailedOnContentType(string path, string contentType)
    {
        using var content = new StringContent("{}", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        var response = await _alice.Client.PostAsync(path, content);

        var error = await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal("Content-Type", error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_JsonBodyOverOneMegabyte_IsRejectedInContractShape()
    {
        var response = await _alice.TryOnAsync("{\"pad\":\"" + new string('a', 1024 * 1024) + "\"}");

        await ErrorAssert.IsError(response, HttpStatusCode.RequestEntityTooLarge, "FILE_TOO_LARGE");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }
}
