using System.Net;
using System.Text.Json;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Ownership;

/// <summary>CONTRACT §3 (OWASP API1, BOLA): users share one Genlook key, so the gateway alone keeps them apart. Real Redis.</summary>
[Collection(RedisCollection.Name)]
public sealed class OwnershipTests(RedisServer redis) : IAsyncLifetime
{
    private GatewayApp _app = null!;
    private AppSession _alice = null!;
    private AppSession _bob = null!;

    public async Task InitializeAsync()
    {
        _app = await GatewayApp.StartAsync(redis.ConnectionString);
        _alice = new AppSession(_app.ClientFor("auth0|alice"));
        _bob = new AppSession(_app.ClientFor("auth0|bob"));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Generation_ReadByOwner_IsForwarded()
    {
        var generationId = await _alice.TryOnGenerationIdAsync(await _alice.UploadImageIdAsync());

        var response = await _alice.GenerationAsync(generationId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(generationId, (await AppSession.JsonAsync(response)).GetProperty("generationId").GetString());
    }

    [Fact]
    public async Task Generation_ReadByAnotherUser_IsNotFoundWithoutCallingGenlook()
    {
        var generationId = await _alice.TryOnGenerationIdAsync(await _alice.UploadImageIdAsync());
        _app.Emulator.Requests.Clear();

        var response = await _bob.GenerationAsync(generationId);

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Theory]
    [InlineData("gen_madeup")]
    [InlineData("cm8gen456xyz")]
    public async Task Generation_IdNeverIssuedByGateway_IsNotFoundWithoutCallingGenlook(string id)
    {
        var response = await _alice.GenerationAsync(id);

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Generation_CreatedAtGenlookBehindTheGatewaysBack_IsNotFound()
    {
        using var direct = new HttpClient { BaseAddress = _app.Emulator.BaseAddress };
        direct.DefaultRequestHeaders.Add("x-api-key", GatewayApp.ApiKey);
        var created = await direct.PostAsync("/tryon/v1/try-on", new StringContent(
            """{"products":[{"title":"t","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}""",
            System.Text.Encoding.UTF8, "application/json"));
        var id = (await AppSession.JsonAsync(created)).GetProperty("generationId").GetString();
        _app.Emulator.Requests.Clear();

        var response = await _alice.GenerationAsync(id!);

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    public static TheoryData<string, string> ImageSpellings() => new()
    {
        { "v1.4", """{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"IMAGE"}}}}""" },
        { "L3", """{"productId":"shirt-42","customerImageId":"IMAGE"}""" },
        { "L4", """{"productId":"shirt-42","customer":{"imageId":"IMAGE"}}""" },
        { "L5", """{"product":{"externalId":"shirt-42"},"customer":{"id":"IMAGE"}}""" },
        { "L6", """{"product":{"externalId":"shirt-42"},"customer":{"source":{"id":"IMAGE"}}}""" },
    };

    [Theory]
    [MemberData(nameof(ImageSpellings))]
    public async Task TryOn_WithAnotherUsersImageInAnySpelling_IsForbiddenAndNotForwarded(string spelling, string template)
    {
        var aliceImage = await _alice.UploadImageIdAsync();
        _app.Emulator.Requests.Clear();

        var response = await _bob.TryOnAsync(template.Replace("IMAGE", aliceImage, StringComparison.Ordinal));

        await ErrorAssert.IsError(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.True(_app.Emulator.Requests.Count == 0, spelling);
    }

    [Theory]
    [MemberData(nameof(ImageSpellings))]
    public async Task TryOn_MultipartDataWithAnotherUsersImageInAnySpelling_IsForbiddenAndNotForwarded(string spelling, string template)
    {
        var aliceImage = await _alice.UploadImageIdAsync();
        _app.Emulator.Requests.Clear();
        using var form = new MultipartFormDataContent
        {
            { new StringContent(template.Replace("IMAGE", aliceImage, StringComparison.Ordinal)), "data" },
            { new ByteArrayContent(TestImages.Png), "extra", "extra.png" },
        };

        var response = await _bob.Client.PostAsync("/tryon/v1/try-on", form);

        await ErrorAssert.IsError(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.True(_app.Emulator.Requests.Count == 0, spelling);
    }

    [Fact]
    public async Task TryOn_WithImageIdNeverIssued_IsForbiddenAndNotForwarded()
    {
        var response = await _alice.TryOnAsync("""{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"retention-7d/acc_emu/customer/20260101-deadbeef.png"}}}}""");

        await ErrorAssert.IsError(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_WithOwnImage_IsForwardedWithPseudonymNotClientValue()
    {
        var imageId = await _alice.UploadImageIdAsync();
        _app.Emulator.Requests.Clear();

        var response = await _alice.TryOnAsync("""{"products":[{"externalId":"shirt-42","title":"T","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"id":"__IMAGEID__"}}},"externalUserId":"auth0|bob"}""".Replace("__IMAGEID__", imageId, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
        var externalUserId = JsonDocument.Parse(forwarded.JsonBody!).RootElement.GetProperty("externalUserId").GetString();
        Assert.Equal(TestTokens.PseudonymOf("auth0|alice"), externalUserId);
    }

    [Fact]
    public async Task TryOn_ClientChosenExternalUserIds_ForwardThePseudonymOfTheTokensUser()
    {
        // The pseudonym is the token's user's alone: whatever id the app puts in the body (its own, another user's,
        // the other user's pseudonym) changes nothing, so a gateway that hashed the client's value would fail here.
        const string body = """{"products":[{"title":"t","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}},"externalUserId":"__ID__"}""";
        var carol = new AppSession(_app.ClientFor("auth0|carol"));
        var dave = new AppSession(_app.ClientFor("auth0|dave"));
        _app.Emulator.Requests.Clear();
        var sent = new (AppSession Session, string ClientValue)[]
        {
            (carol, "shopper-1"), (carol, "shopper-2"), (carol, TestTokens.PseudonymOf("auth0|dave")), (dave, "shopper-1"),
        };

        foreach (var (session, clientValue) in sent)
        {
            Assert.Equal(HttpStatusCode.OK, (await session.TryOnAsync(body.Replace("__ID__", clientValue, StringComparison.Ordinal))).StatusCode);
        }

        var forwarded = _app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on")
            .Select(r => JsonDocument.Parse(r.JsonBody!).RootElement.GetProperty("externalUserId").GetString());
        var ofCarol = TestTokens.PseudonymOf("auth0|carol");
        Assert.Equal([ofCarol, ofCarol, ofCarol, TestTokens.PseudonymOf("auth0|dave")], forwarded);
    }

    [Fact]
    public async Task Upload_ClientExternalUserIdAndCustomerId_AreReplacedByPseudonym()
    {
        var response = await _alice.UploadAsync(fields: new Dictionary<string, string> { ["externalUserId"] = "auth0|bob", ["customerId"] = "bob", ["crop"] = "false" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/images/upload"));
        var fields = forwarded.Parts.Where(p => p.FileName is null).ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal("false", fields["crop"]);
        Assert.False(fields.ContainsKey("customerId"));
        Assert.Single(forwarded.Parts, p => p.Name == "externalUserId");
        Assert.Equal(TestTokens.PseudonymOf("auth0|alice"), fields["externalUserId"]);
    }

    [Fact]
    public async Task Pseudonym_IsStableAcrossInstancesAndDistinctPerUser()
    {
        await using var second = await GatewayApp.StartAsync(redis.ConnectionString, emulator: null);
        var viaFirst = await ForwardedUploadUserAsync(_app, "auth0|alice");
        var viaSecond = await ForwardedUploadUserAsync(second, "auth0|alice");
        var bob = await ForwardedUploadUserAsync(_app, "auth0|bob");

        Assert.Equal(TestTokens.PseudonymOf("auth0|alice"), viaFirst);
        Assert.Equal(TestTokens.PseudonymOf("auth0|alice"), viaSecond);
        Assert.Equal(TestTokens.PseudonymOf("auth0|bob"), bob);
        Assert.NotEqual(viaFirst, bob);
    }

    [Fact]
    public async Task Ownership_WhenRedisIsDown_FailsClosedWith503()
    {
        await using var ownRedis = new RedisServer();
        await ownRedis.StartAsync();
        await using var app = await GatewayApp.StartAsync(ownRedis.ConnectionString);
        var alice = new AppSession(app.ClientFor("alice"));
        var generationId = await alice.TryOnGenerationIdAsync(await alice.UploadImageIdAsync());
        await ownRedis.StopAsync();
        app.Emulator.Requests.Clear();

        var poll = await alice.GenerationAsync(generationId);
        var tryOn = await alice.TryOnAsync("""{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"any"}}}}""");

        await ErrorAssert.IsError(poll, HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE");
        await ErrorAssert.IsError(tryOn, HttpStatusCode.ServiceUnavailable, "STORE_UNAVAILABLE");
        Assert.Equal(0, app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task OwnershipRecords_HoldPseudonymNeverRawSubject()
    {
        await _alice.TryOnGenerationIdAsync(await _alice.UploadImageIdAsync());

        var dump = await redis.DumpAsync();

        Assert.NotEmpty(dump);
        Assert.Contains(dump, entry => entry.Key.Contains(TestTokens.PseudonymOf("auth0|alice"), StringComparison.Ordinal));
        Assert.DoesNotContain(dump, entry => entry.Key.Contains("alice", StringComparison.Ordinal) || entry.Value.Contains("alice", StringComparison.Ordinal));
    }

    private static async Task<string> ForwardedUploadUserAsync(GatewayApp app, string subject)
    {
        app.Emulator.Requests.Clear();
        var response = await new AppSession(app.ClientFor(subject)).UploadAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return app.Emulator.Requests.Matching("POST", "/tryon/v1/images/upload").Single().Parts.Single(p => p.Name == "externalUserId").Value!;
    }
}
