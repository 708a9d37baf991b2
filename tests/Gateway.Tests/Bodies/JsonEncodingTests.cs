using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Genlook.Gateway.Bodies;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Bodies;

/// <summary>
/// A JSON body must be I-JSON text (RFC 7493 §2.1): valid UTF-8 and no escaped lone surrogate, in names and values,
/// on the fast (canonical) path, the legacy path and the emulated PATCH; otherwise 400 and nothing forwarded. Utf8JsonReader
/// does not check the UTF-8 of a string it only skips, and the fast path forwards such strings as sent.
/// </summary>
public sealed class JsonEncodingTests : IAsyncLifetime
{
    private static readonly JsonBodyRewriter Rewriter = new(new CompatEngine(CompatRules.All));
    private GatewayApp _app = null!;

    public static TheoryData<string, string> InvalidUtf8 => new()
    {
        { "the issue's bytes", "FFFEC0AF" },
        { "overlong '/'", "C0AF" },
        { "overlong 3-byte NUL", "E08080" },
        { "UTF-8-encoded surrogate", "EDA080" },
        { "past U+10FFFF", "F4908080" },
        { "truncated 2-byte", "C3" },
        { "truncated 3-byte", "E282" },
        { "stray continuation", "80" },
    };

    // Each spot an invalid sequence can hide: a value and a name, on the fast path and on the legacy one.
    private static readonly string[] Spots =
    [
        """{"products":[{"externalId":"x","title":"@"}],"person":{"image":{"source":{"url":"https://cdn.example.com/a.jpg"}}}}""",
        """{"products":[{"externalId":"x","@":1}],"person":{"image":{"source":{"url":"https://cdn.example.com/a.jpg"}}}}""",
        """{"productId":"x","note":"@","customer":{"url":"https://cdn.example.com/a.jpg"}}""",
        """{"productId":"x","@":1,"customer":{"url":"https://cdn.example.com/a.jpg"}}""",
        """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"img-@"}}}}""",
    ];

    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void RewriteTryOn_InvalidUtf8AnywhereOnEitherPath_IsInvalid(string why, string hex)
    {
        foreach (var spot in Spots)
        {
            var result = Rewriter.RewriteTryOn(WithBytes(spot, hex), "PSEUDONYM");

            Assert.True(result.Errors is not null, $"{why} in {spot} was accepted");
        }
    }

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void RewriteProductAndPatch_InvalidUtf8_IsInvalid(string why, string hex)
    {
        var fast = Rewriter.RewriteProduct(WithBytes("""{"externalId":"x","title":"@"}""", hex));
        var legacy = Rewriter.RewriteProduct(WithBytes("""{"externalId":"x","imageUrls":["https://cdn.example.com/@.jpg"]}""", hex));
        var patch = Rewriter.RewritePatch(WithBytes("""{"title":"@"}""", hex), "x");

        Assert.True(fast.Errors is not null && legacy.Errors is not null && patch.Errors is not null, why);
    }

    [Theory]
    [InlineData("""\ud800""")]
    [InlineData("""\udc00""")]
    [InlineData("""\ud800\u0041""")]
    [InlineData("""\uDBFF x""")]
    public void RewriteTryOn_EscapedLoneSurrogateAnywhere_IsInvalid(string escape)
    {
        foreach (var spot in Spots)
        {
            var result = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes(spot.Replace("@", escape, StringComparison.Ordinal)), "PSEUDONYM");

            Assert.True(result.Errors is not null, $"{escape} in {spot} was accepted");
        }
    }

    [Theory]
    [InlineData("""\ud83d\ude00""")]
    [InlineData("""\\ud800""")]
    [InlineData("""caf\u00e9 \u2028""")]
    [InlineData("😀 é")]
    public void RewriteTryOn_ValidEscapesAndCharacters_AreForwardedAsSent(string text)
    {
        var json = """{"products":[{"externalId":"x","title":"@"}],"person":{"image":{"source":{"url":"https://cdn.example.com/a.jpg"}}}}""".Replace("@", text, StringComparison.Ordinal);

        var result = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes(json), "PSEUDONYM");

        Assert.Null(result.Errors);
        Assert.Contains("\"title\":\"" + text + "\"", Encoding.UTF8.GetString(result.Body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryOn_JsonWithInvalidUtf8InAString_IsValidationFailedAndNothingForwarded()
    {
        var body = WithBytes("""{"products":[{"externalId":"shirt-42","title":"@"}],"person":{"image":{"source":{"url":"https://cdn.example.com/a.jpg"}}}}""", "FFFEC0AF");
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var response = await _app.ClientFor("alice").PostAsync("/tryon/v1/try-on", content);

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_MultipartDataFieldWithInvalidUtf8_IsValidationFailedAndNothingForwarded()
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(WithBytes("""{"products":[{"externalId":"shirt-42","@":1}],"person":{"image":{"source":{"fileKey":"me"}}}}""", "EDA080")), "data");
        form.Add(new ByteArrayContent(TestImages.Png), "me", "me.png");

        var response = await _app.ClientFor("alice").PostAsync("/tryon/v1/try-on", form);

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_LegacyBodyWithLoneSurrogateInAMemberName_IsValidationFailedNotInternalError()
    {
        var response = await _app.ClientFor("alice").PostAsync("/tryon/v1/try-on", new StringContent(
            """{"productId":"shirt-42","customer":{"url":"https://cdn.example.com/a.jpg","\ud800":1}}""", Encoding.UTF8, "application/json"));

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    /// <summary><paramref name="json"/> with its <c>@</c> replaced by the raw bytes <paramref name="hex"/>.</summary>
    private static byte[] WithBytes(string json, string hex)
    {
        var at = json.IndexOf('@', StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(json[..at]), .. Convert.FromHexString(hex), .. Encoding.UTF8.GetBytes(json[(at + 1)..])];
    }
}
