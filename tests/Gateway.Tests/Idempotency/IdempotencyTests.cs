using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Idempotency;

/// <summary>CONTRACT §10 with two instances on one real redis-server: a retried POST never spends a credit twice.</summary>
public sealed class IdempotencyTests : IAsyncLifetime
{
    private const string Body = """{"products":[{"title":"t","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/p.jpg"}}}}""";
    private readonly RedisServer _redis = new();
    private GatewayApp _first = null!;
    private GatewayApp _second = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _first = await GatewayApp.StartAsync(_redis.ConnectionString);
        _second = await GatewayApp.StartAsync(_redis.ConnectionString, emulator: _first.Emulator);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static HttpRequestMessage TryOn(string key, string body = Body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/try-on") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    [Fact]
    public async Task SameKeySameBody_OnAnotherInstance_ReplaysWithoutCallingGenlook()
    {
        var first = await _first.ClientFor("alice").SendAsync(TryOn("k-1"));
        var replay = await _second.ClientFor("alice").SendAsync(TryOn("k-1"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single(_first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
    }

    [Fact]
    public async Task Replay_KeepsOwnershipOfTheGeneration()
    {
        var replay = await _second.ClientFor("alice").SendAsync(TryOn("k-own"));
        var again = await _first.ClientFor("alice").SendAsync(TryOn("k-own"));
        var id = (await AppSession.JsonAsync(again)).GetProperty("generationId").GetString();

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _first.ClientFor("alice").GetAsync($"/tryon/v1/generations/{id}")).StatusCode);
    }

    [Fact]
    public async Task SameKeyDifferentBody_IsUnprocessable()
    {
        await _first.ClientFor("alice").SendAsync(TryOn("k-2"));

        var response = await _second.ClientFor("alice").SendAsync(TryOn("k-2", Body.Replace("a.jpg", "b.jpg", StringComparison.Ordinal)));

        await ErrorAssert.IsError(response, HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED");
        Assert.Single(_first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
    }

    [Fact]
    public async Task SameKeyOtherUser_IsIndependent()
    {
        await _first.ClientFor("alice").SendAsync(TryOn("shared-key"));

        var bob = await _first.ClientFor("bob").SendAsync(TryOn("shared-key"));

        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        Assert.False(bob.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, _first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Count);
    }

    [Fact]
    public async Task ConcurrentDuplicatesAcrossInstances_OneForwardedOthersInUseOrReplayed()
    {
        _first.Emulator.Faults.Delay(TimeSpan.FromMilliseconds(800), "/tryon/v1/try-on", "POST", times: 1);

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? _first : _second).ClientFor("alice").SendAsync(TryOn("k-race"))));

        Assert.Single(_first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK && !r.Headers.Contains("Idempotent-Replayed")));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            await ErrorAssert.IsError(conflict, HttpStatusCode.Conflict, "IDEMPOTENCY_KEY_IN_USE");
        }

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task FailedFirstAttempt_DoesNotPoisonTheKey()
    {
        _first.Emulator.Faults.FailWith(500, pathPrefix: "/tryon/v1/try-on", times: 1);

        var failed = await _first.ClientFor("alice").SendAsync(TryOn("k-3"));
        var retried = await _second.ClientFor("alice").SendAsync(TryOn("k-3"));

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, _first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Count);
    }

    [Fact]
    public async Task FirstAttemptFailingAfterItsMarkerExpired_LeavesTheRetryInFlightItsKey()
    {
        // The first attempt's in-flight marker ran out (a Genlook slower than Genlook:Timeout + 30 s), and a retry on
        // another instance claimed the key and is at Genlook. The first attempt then fails: releasing the key must free
        // only its own marker, or a third attempt would be forwarded beside the retry and spend a second credit.
        _first.Emulator.Faults.FailWith(500, pathPrefix: "/tryon/v1/try-on", times: 1, after: TimeSpan.FromSeconds(1));
        _first.Emulator.Faults.Delay(TimeSpan.FromSeconds(4), "/tryon/v1/try-on", "POST", times: 1); // within Genlook:Timeout (5 s here)

        // A fault rule is used up when a request reaches the emulator (its log records a request when it ends).
        var first = _first.ClientFor("alice").SendAsync(TryOn("k-expired"));
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(_first.Emulator.Faults.Pending == 1), TimeSpan.FromSeconds(10)));
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString))
        {
            var markers = redis.GetServers().Single().Keys(pattern: "*:idem:*").ToArray();
            Assert.Single(markers);
            await redis.GetDatabase().KeyDeleteAsync(markers); // as if its time to live had run out
        }

        var retry = _second.ClientFor("alice").SendAsync(TryOn("k-expired"));
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(_first.Emulator.Faults.Pending == 0), TimeSpan.FromSeconds(10)));
        Assert.Equal(HttpStatusCode.InternalServerError, (await first).StatusCode);

        var third = await _first.ClientFor("alice").SendAsync(TryOn("k-expired"));

        await ErrorAssert.IsError(third, HttpStatusCode.Conflict, "IDEMPOTENCY_KEY_IN_USE");
        Assert.Equal(HttpStatusCode.OK, (await retry).StatusCode);
        Assert.Equal(2, _first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Count);
    }

    [Theory]
    [InlineData(402, "QUOTA_EXCEEDED")]
    [InlineData(402, "INSUFFICIENT_CREDITS")]
    public async Task RetryableRefusal_IsNotKept_TheRetryIsForwarded(int status, string code)
    {
        _first.Emulator.Faults.FailWith(status, code, pathPrefix: "/tryon/v1/try-on", times: 1);

        var refused = await _first.ClientFor("alice").SendAsync(TryOn("k-" + code));
        var retried = await _second.ClientFor("alice").SendAsync(TryOn("k-" + code));

        await ErrorAssert.IsError(refused, (HttpStatusCode)status, code);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, _first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Count);
    }

    [Fact]
    public async Task GenlookRateLimit_IsNotKept_TheRetryAfterRetryAfterIsForwarded()
    {
        _first.Emulator.Faults.RateLimit(TimeSpan.FromSeconds(1), "/tryon/v1/try-on", times: 1);

        var refused = await _first.ClientFor("alice").SendAsync(TryOn("k-429"));
        await Task.Delay(refused.Headers.RetryAfter!.Delta!.Value + TimeSpan.FromMilliseconds(100)); // as the docs say: honour it (the hold ends on Redis's clock, out of a fake clock's reach)
        var retried = await _second.ClientFor("alice").SendAsync(TryOn("k-429"));

        await ErrorAssert.IsError(refused, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, _first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Count);
    }

    [Fact]
    public async Task NonRetryableRefusal_IsKept_AndReplayed()
    {
        _first.Emulator.Faults.FailWith(404, "PRODUCT_NOT_FOUND", pathPrefix: "/tryon/v1/try-on", times: 1);

        var refused = await _first.ClientFor("alice").SendAsync(TryOn("k-404"));
        var replay = await _second.ClientFor("alice").SendAsync(TryOn("k-404"));

        await ErrorAssert.IsError(refused, HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        await ErrorAssert.IsError(replay, HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND");
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single(_first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
    }

    [Fact]
    public async Task Upload_RetriedWithNewBoundary_IsReplayed()
    {
        async Task<HttpResponseMessage> UploadAsync(GatewayApp app)
        {
            using var form = new MultipartFormDataContent("boundary-" + Guid.NewGuid().ToString("N"));
            var file = new ByteArrayContent(TestImages.Jpeg(200_000));
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "file", "me.jpg");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/tryon/v1/images/upload") { Content = form };
            request.Headers.Add("Idempotency-Key", "upload-1");
            return await app.ClientFor("alice").SendAsync(request);
        }

        var first = await UploadAsync(_first);
        var retry = await UploadAsync(_second);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single(_first.Emulator.Requests.Matching("POST", "/tryon/v1/images/upload"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long-a-key-that-is-far-too-long")]
    public async Task InvalidKey_IsValidationFailed(string key)
    {
        using var request = TryOn("placeholder");
        request.Headers.Remove("Idempotency-Key");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);

        var response = await _first.ClientFor("alice").SendAsync(request);

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Empty(_first.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
    }
}
