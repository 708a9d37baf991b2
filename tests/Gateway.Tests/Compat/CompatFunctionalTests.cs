using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Compat;

/// <summary>
/// Legacy shapes in, only 1.4 out: the strict emulator rejects any deprecated field, so a 200 from it proves the
/// gateway forwarded the current shape; the tests also compare the forwarded body with the expected one.
/// </summary>
public sealed class CompatFunctionalTests : IAsyncLifetime
{
    private GatewayApp _app = null!;
    private AppSession _alice = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _app = await GatewayApp.StartAsync();
        _alice = new AppSession(_app.ClientFor("alice"));
        _imageId = await _alice.UploadImageIdAsync();
        var seeded = await _app.ClientFor("admin", scope: "catalog:write").PostAsync("/tryon/v1/products",
            new StringContent("""{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, seeded.StatusCode);
        _app.Emulator.Requests.Clear();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private JsonObject ForwardedTryOn() =>
        (JsonObject)JsonNode.Parse(Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on")).JsonBody!)!;

    /// <summary>Asserts the body is attributed to alice's pseudonym (L8: never the app's customerId), then removes it to compare the rest.</summary>
    private static void TakeAlicesPseudonym(JsonObject forwarded)
    {
        Assert.Equal(TestTokens.PseudonymOf("alice"), forwarded["externalUserId"]?.GetValue<string>());
        forwarded.Remove("externalUserId");
    }

    public static TheoryData<string, string, string> LegacyBodies() => new()
    {
        { "L1+L3", """{"productId":"shirt-42","customerImageId":"IMAGE"}""", """{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"IMAGE"}}}}""" },
        { "L2+L4", """{"externalProductId":"shirt-42","customer":{"imageId":"IMAGE"}}""", """{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"IMAGE"}}}}""" },
        { "L7+L5+L12", """{"product":{"externalId":"shirt-42","title":"T","images":[{"url":"https://cdn.example.com/b.jpg"}]},"customer":{"id":"IMAGE"}}""", """{"products":[{"externalId":"shirt-42","title":"T","images":[{"source":{"url":"https://cdn.example.com/b.jpg"}}]}],"person":{"image":{"source":{"id":"IMAGE"}}}}""" },
        { "L7+L6+L11+L13", """{"product":{"externalId":"shirt-42","imageUrls":["https://cdn.example.com/c.jpg"],"autoClassifyImages":true},"customer":{"source":{"id":"IMAGE"}}}""", """{"products":[{"externalId":"shirt-42","images":[{"source":{"url":"https://cdn.example.com/c.jpg"}}]}],"person":{"image":{"source":{"id":"IMAGE"}}}}""" },
        { "L1+L4+L8+L9+L10", """{"productId":"shirt-42","customer":{"imageId":"IMAGE"},"customerId":"me","useWatermark":false,"retentionDays":3}""", """{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"IMAGE"}}},"output":{"watermark":false,"keepForDays":3}}""" },
    };

    [Theory]
    [MemberData(nameof(LegacyBodies))]
    public async Task TryOn_LegacyBody_ReachesStrictGenlookAsV1WithDeprecationHeaders(string rows, string legacy, string expected)
    {
        var response = await _alice.TryOnAsync(legacy.Replace("IMAGE", _imageId, StringComparison.Ordinal));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, rows + ": " + text);
        var forwarded = ForwardedTryOn();
        TakeAlicesPseudonym(forwarded);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.Replace("IMAGE", _imageId, StringComparison.Ordinal)), forwarded), forwarded.ToJsonString());
        Assert.StartsWith("@", response.Headers.GetValues("Deprecation").Single());
        Assert.Contains("rel=\"deprecation\"", response.Headers.GetValues("Link").Single());
    }

    [Fact]
    public async Task TryOn_LegacyMembersSetToNull_ReachStrictGenlookDroppedAndAreStillDeprecated()
    {
        // What Jackson or Newtonsoft write for an old request model whose legacy fields are unset.
        var response = await _alice.TryOnAsync("""
            {"productId":null,"externalProductId":null,"customerImageId":null,"customer":null,"product":null,"customerId":null,"useWatermark":null,"retentionDays":null,
             "products":[{"externalId":"shirt-42","imageUrls":null,"autoClassifyImages":null,"autoDetectImageRoles":null}],
             "person":{"image":{"source":{"id":"IMAGE"}}}}
            """.Replace("IMAGE", _imageId, StringComparison.Ordinal));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var forwarded = ForwardedTryOn();
        TakeAlicesPseudonym(forwarded);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"IMAGE"}}}}""".Replace("IMAGE", _imageId, StringComparison.Ordinal)), forwarded), forwarded.ToJsonString());
        Assert.Equal("@1778544000", response.Headers.GetValues("Deprecation").Single()); // 1.0.0, 2026-05-12: the earliest, productId's
        Assert.Contains("rel=\"deprecation\"", response.Headers.GetValues("Link").Single());
    }

    [Fact]
    public async Task TryOn_SingularProductEqualToProductsInAnOlderShape_ReachesStrictGenlookOnce()
    {
        var response = await _alice.TryOnAsync("""
            {"product":{"externalId":"shirt-42","images":[{"url":"https://cdn.example.com/a.jpg"}]},
             "products":[{"externalId":"shirt-42","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],
             "person":{"image":{"source":{"id":"IMAGE"}}}}
            """.Replace("IMAGE", _imageId, StringComparison.Ordinal));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var forwarded = ForwardedTryOn();
        TakeAlicesPseudonym(forwarded);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"products":[{"externalId":"shirt-42","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"id":"IMAGE"}}}}""".Replace("IMAGE", _imageId, StringComparison.Ordinal)), forwarded), forwarded.ToJsonString());
        Assert.Equal("@1781654400", response.Headers.GetValues("Deprecation").Single()); // 1.3.0 and 1.4.0, 2026-06-17 (L12, L7)
    }

    [Fact]
    public async Task TryOn_CanonicalBody_HasNoDeprecationHeader()
    {
        var response = await _alice.TryOnAsync("""{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"___IMAGEID__"}}}}""".Replace("___IMAGEID__", _imageId, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Deprecation"));
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task TryOn_LegacyBodyNamingAnImageNotOwned_IsForbiddenWithoutDeprecationHeaders()
    {
        var response = await _alice.TryOnAsync("""{"productId":"shirt-42","customerImageId":"retention-7d/acc_emu/customer/20260101-deadbeef.png"}""");

        await ErrorAssert.IsError(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.False(response.Headers.Contains("Deprecation"));
        Assert.False(response.Headers.Contains("Link"));
        Assert.True(response.Headers.Contains("RateLimit"));
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_ConflictingLegacyAndCurrent_IsValidationFailedAndNotForwarded()
    {
        var response = await _alice.TryOnAsync("""{"product":{"externalId":"a"},"products":[{"externalId":"b"}],"useWatermark":true,"output":{"watermark":false},"person":{"image":{"source":{"id":"___IMAGEID__"}}}}""".Replace("___IMAGEID__", _imageId, StringComparison.Ordinal));

        var body = await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(2, body.GetProperty("details").GetArrayLength());
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_MultipartWithLegacyDataAndFiles_ForwardsV1DataAndFilesUnchanged()
    {
        var back = TestImages.Jpeg(300_000);
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("""{"product":{"externalId":"tee-9","title":"Tee","images":[{"fileKey":"back"}]},"customer":{"fileKey":"me"},"customerId":"x"}"""), "data");
        var person = new ByteArrayContent(TestImages.Png);
        person.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(person, "me", "me.png");
        var product = new ByteArrayContent(back);
        product.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(product, "back", "back.jpg");

        var response = await _alice.Client.PostAsync("/tryon/v1/try-on", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
        var data = (JsonObject)JsonNode.Parse(forwarded.JsonBody!)!;
        TakeAlicesPseudonym(data);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"products":[{"externalId":"tee-9","title":"Tee","images":[{"source":{"fileKey":"back"}}]}],"person":{"image":{"source":{"fileKey":"me"}}}}"""), data));
        var files = forwarded.Parts.Where(p => p.FileName is not null).ToList();
        Assert.Equal(["me", "back"], files.Select(f => f.Name));
        Assert.Equal(["me.png", "back.jpg"], files.Select(f => f.FileName));
        Assert.Equal(["image/png", "image/jpeg"], files.Select(f => f.ContentType));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(back)), files[1].Sha256Hex, ignoreCase: true);
        Assert.True(response.Headers.Contains("Deprecation"));
    }

    [Fact]
    public async Task Upload_LegacyFormFields_AreRenamedAndDeprecated()
    {
        var response = await _alice.UploadAsync(fields: new Dictionary<string, string> { ["customerId"] = "me", ["retentionDays"] = "3", ["crop"] = "true" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var fields = Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/images/upload")).Parts.Where(p => p.FileName is null).ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal("3", fields["keepForDays"]);
        Assert.Equal("true", fields["crop"]);
        Assert.False(fields.ContainsKey("retentionDays"));
        Assert.False(fields.ContainsKey("customerId"));
        Assert.Equal(TestTokens.PseudonymOf("alice"), fields["externalUserId"]);
        Assert.True(response.Headers.Contains("Deprecation"));
    }

    [Fact]
    public async Task Upload_RetentionDaysConflictingWithKeepForDays_IsValidationFailed()
    {
        var response = await _alice.UploadAsync(fields: new Dictionary<string, string> { ["retentionDays"] = "3", ["keepForDays"] = "7" });

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task ProductUpsert_LegacyImageUrls_ReachesGenlookAsImages()
    {
        var response = await _app.ClientFor("admin", scope: "catalog:write").PostAsync("/tryon/v1/products",
            new StringContent("""{"externalId":"hat-1","title":"Hat","imageUrls":["https://cdn.example.com/h.jpg"],"autoDetectImageRoles":true}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = JsonNode.Parse(Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/products")).JsonBody!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"externalId":"hat-1","title":"Hat","images":[{"source":{"url":"https://cdn.example.com/h.jpg"}}]}"""), forwarded));
        Assert.True(response.Headers.Contains("Deprecation"));
    }

    [Theory]
    [InlineData("\"autoDetectImageRoles\":true", "@1779062400")] // 1.2.0, 2026-05-18
    [InlineData("\"autoClassifyImages\":true", "@1782345600")] // 1.3.0, 2026-06-25
    [InlineData("\"autoClassifyImages\":true,\"autoDetectImageRoles\":false", "@1779062400")] // the earlier of the two
    [InlineData("\"autoClassifyImages\":null", "@1782345600")] // sent, if empty: still the field Genlook removed
    public async Task ProductUpsert_RemovedProductFlag_IsDeprecatedAsOfItsRemoval(string flags, string deprecation)
    {
        var response = await _app.ClientFor("admin", scope: "catalog:write").PostAsync("/tryon/v1/products",
            new StringContent($$$"""{"externalId":"hat-2","title":"Hat","images":[{"source":{"url":"https://cdn.example.com/h.jpg"}}],{{{flags}}}}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(deprecation, response.Headers.GetValues("Deprecation").Single());
    }

    [Fact]
    public async Task ProductPatch_IsServedAsPostWithExternalIdMerged()
    {
        var admin = _app.ClientFor("admin", scope: "catalog:write");

        var response = await admin.PatchAsync("/tryon/v1/products/shirt-42", new StringContent("""{"title":"Redder tee"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(_app.Emulator.Requests.All);
        Assert.Equal("POST", forwarded.Method);
        Assert.Equal("/tryon/v1/products", forwarded.Path);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"title":"Redder tee","externalId":"shirt-42"}"""), JsonNode.Parse(forwarded.JsonBody!)));
        Assert.Equal("Redder tee", (await AppSession.JsonAsync(response)).GetProperty("title").GetString());
        Assert.True(response.Headers.Contains("Deprecation"));
    }

    [Fact]
    public async Task ProductPatch_WithDifferentExternalIdInBody_IsValidationFailed()
    {
        var response = await _app.ClientFor("admin", scope: "catalog:write").PatchAsync("/tryon/v1/products/shirt-42",
            new StringContent("""{"externalId":"other"}""", Encoding.UTF8, "application/json"));

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task ProductPatch_WithoutCatalogScope_IsForbidden()
    {
        var response = await _alice.Client.PatchAsync("/tryon/v1/products/shirt-42", new StringContent("{}", Encoding.UTF8, "application/json"));

        await ErrorAssert.IsError(response, HttpStatusCode.Forbidden, "FORBIDDEN");
    }
}
