using System.Net;
using System.Text.Json;
using Genlook.Emulator;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Gdpr;

/// <summary>CONTRACT §8 end to end: two Genlook accounts, real Redis, a failing account, a gateway restart mid-job.</summary>
public sealed class GdprEraseTests : IAsyncLifetime
{
    private const string Subject = "auth0|5f1e-erase-me";
    private readonly RedisServer _redis = new();
    private GenlookEmulatorHost _secondAccount = null!;
    private GatewayApp _app = null!;

    private Dictionary<string, string?> Settings() => new()
    {
        ["Genlook:Accounts:second:BaseUrl"] = _secondAccount.BaseAddress.GetLeftPart(UriPartial.Authority),
        ["Genlook:Accounts:second:ApiKey"] = GatewayApp.SecondApiKey,
        ["Genlook:AccountClaim"] = "genlook_account",
        ["Genlook:DefaultAccount"] = "default",
        ["Gdpr:PollInterval"] = "00:00:00.100",
        ["Gdpr:RetryBaseDelay"] = "00:00:00.200",
        ["Gdpr:MaxRetryDelay"] = "00:00:00.500",
        ["Gdpr:ClaimIdleTime"] = "00:00:01",
    };

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _secondAccount = await GenlookEmulatorHost.StartAsync(new EmulatorOptions { ApiKeys = [GatewayApp.SecondApiKey], PendingFor = TimeSpan.Zero, ProcessingFor = TimeSpan.Zero });
        _app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings());
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _secondAccount.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static async Task<JsonElement> JobAsync(HttpClient client, string location)
    {
        var response = await client.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await AppSession.JsonAsync(response);
    }

    [Fact]
    public async Task Erase_UserOnTwoAccounts_SurvivesFailureAndRestart_AndLeavesNoTrace()
    {
        // A user with data on both accounts.
        var onDefault = new AppSession(_app.ClientFor(Subject, account: "default"));
        var onSecond = new AppSession(_app.ClientFor(Subject, account: "second"));
        var generationDefault = await onDefault.TryOnGenerationIdAsync(await onDefault.UploadImageIdAsync());
        var generationSecond = await onSecond.TryOnGenerationIdAsync(await onSecond.UploadImageIdAsync());
        await onDefault.GenerationAsync(generationDefault);
        var externalUserId = TestTokens.PseudonymOf(Subject);
        var tryOn = _app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on").Single().JsonBody!;
        Assert.Equal(externalUserId, JsonDocument.Parse(tryOn).RootElement.GetProperty("externalUserId").GetString());

        // The second account is down for now.
        _secondAccount.Faults.FailWith(500, pathPrefix: "/tryon/v1/customers/");
        var admin = _app.ClientFor("privacy-officer", scope: "gdpr:erase");
        var accepted = await admin.DeleteAsync($"/gdpr/users/{Uri.EscapeDataString(Subject)}");
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var location = accepted.Headers.Location!.ToString();
        var jobId = (await AppSession.JsonAsync(accepted)).GetProperty("jobId").GetString();
        Assert.Equal($"/gdpr/jobs/{jobId}", location);

        var retrying = await Poll.UntilAsync(async () =>
        {
            var job = await JobAsync(admin, location);
            return job.GetProperty("status").GetString() == "Retrying" &&
                   job.GetProperty("targets").EnumerateArray().Any(t => t.GetProperty("target").GetString() == "genlook:second" && t.GetProperty("attempts").GetInt32() >= 2);
        }, TimeSpan.FromSeconds(15));
        Assert.True(retrying, "the failing account was not retried");

        // The gateway is stopped mid-job and another one takes over.
        await _app.DisposeAsync();
        _app = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator: null);
        _secondAccount.Faults.Clear();
        var restarted = _app.ClientFor("privacy-officer", scope: "gdpr:erase");

        var completed = await Poll.UntilAsync(async () => (await JobAsync(restarted, location)).GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(20));
        Assert.True(completed, "the job did not complete after the restart");
        var final = await JobAsync(restarted, location);
        var targets = final.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("target").GetString()!, t => t);
        Assert.Equal(["gateway-store", "genlook:default", "genlook:second"], targets.Keys.Order());
        Assert.All(targets.Values, t => Assert.Equal("Completed", t.GetProperty("status").GetString()));
        Assert.True(targets["genlook:second"].GetProperty("attempts").GetInt32() >= 3);
        Assert.NotNull(targets["genlook:second"].GetProperty("lastError").GetString());

        // The failing account received the DELETE with the pseudonym its try-on carried, and nothing else.
        Assert.Equal([externalUserId], _secondAccount.State.DeletedCustomers.Distinct());
        Assert.False(final.TryGetProperty("p", out _));
        Assert.DoesNotContain(Subject, final.ToString(), StringComparison.Ordinal);

        // No raw subject anywhere, and nothing of the user outside the job record but the rate-limit logs, which hold
        // admission times only and expire with their window (CONTRACT §6: an erase does not reset a budget).
        var dump = await _redis.DumpAsync();
        Assert.DoesNotContain(dump, e => e.Key.Contains("5f1e", StringComparison.Ordinal) || e.Value.Contains("5f1e", StringComparison.Ordinal));
        Assert.All(dump.Where(e => e.Key.Contains(externalUserId, StringComparison.Ordinal) || e.Value.Contains(externalUserId, StringComparison.Ordinal)),
            e => Assert.True(e.Key.StartsWith("gw:gdpr:job:", StringComparison.Ordinal) || e.Key.Contains(":rl:", StringComparison.Ordinal), e.Key));

        // Old generations are gone for the user.
        var user = new AppSession(_app.ClientFor(Subject, account: "default"));
        await ErrorAssert.IsError(await user.GenerationAsync(generationDefault), HttpStatusCode.NotFound, "GENERATION_NOT_FOUND");
        _ = generationSecond;
    }

    [Fact]
    public async Task EraseMe_OwnUserReadsJob_OtherUserCannot_RepeatCompletes()
    {
        var me = _app.ClientFor("self-service-user");
        var first = await me.DeleteAsync("/gdpr/me");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var location = first.Headers.Location!.ToString();

        Assert.True(await Poll.UntilAsync(async () => (await JobAsync(me, location)).GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(15)));
        Assert.Contains(TestTokens.PseudonymOf("self-service-user"), _app.Emulator.State.DeletedCustomers);
        var stranger = await _app.ClientFor("stranger").GetAsync(location);
        await ErrorAssert.IsError(stranger, HttpStatusCode.NotFound, "JOB_NOT_FOUND");

        var again = await me.DeleteAsync("/gdpr/me");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var againLocation = again.Headers.Location!.ToString();
        Assert.True(await Poll.UntilAsync(async () => (await JobAsync(me, againLocation)).GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task EraseMe_RepeatedPastTheGdprPolicy_IsRateLimited_AndTheFinishedEraseDoesNotResetTheBudget()
    {
        // Each self-service erase stores a job for the audit retention and calls every Genlook account: a looping app
        // must not repeat it without bound, on any instance, and the erase itself must not wipe the count that bounds it.
        var settings = Settings();
        settings["RateLimiting:Policies:gdpr:PermitLimit"] = "2";
        await using var instanceA = await GatewayApp.StartAsync(_redis.ConnectionString, settings);
        await using var instanceB = await GatewayApp.StartAsync(_redis.ConnectionString, settings, emulator: instanceA.Emulator);
        var onA = instanceA.ClientFor("looping-user");
        var onB = instanceB.ClientFor("looping-user");

        var first = await onA.DeleteAsync("/gdpr/me");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Contains("\"gdpr\"", first.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
        var location = first.Headers.Location!.ToString();
        Assert.True(await Poll.UntilAsync(async () => (await JobAsync(onA, location)).GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(15)));
        Assert.Equal(HttpStatusCode.Accepted, (await onB.DeleteAsync("/gdpr/me")).StatusCode);

        var third = await onA.DeleteAsync("/gdpr/me");

        await ErrorAssert.IsError(third, HttpStatusCode.TooManyRequests, "RATE_LIMITED");
        Assert.True(int.Parse(third.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(HttpStatusCode.Accepted, (await instanceB.ClientFor("another-user").DeleteAsync("/gdpr/me")).StatusCode);
    }

    [Fact]
    public async Task EraseUser_WithoutScope_IsForbidden_AndWithoutToken_IsMissingToken()
    {
        await ErrorAssert.IsError(await _app.ClientFor("alice").DeleteAsync("/gdpr/users/bob"), HttpStatusCode.Forbidden, "FORBIDDEN");
        await ErrorAssert.IsError(await _app.AnonymousClient().DeleteAsync("/gdpr/me"), HttpStatusCode.Unauthorized, "MISSING_TOKEN");
        await ErrorAssert.IsError(await _app.AnonymousClient().GetAsync("/gdpr/jobs/abc"), HttpStatusCode.Unauthorized, "MISSING_TOKEN");
    }

    [Fact]
    public Task EraseUser_SubjectWithSlashAndPipe_IsErasedUnderItsOwnPseudonym() =>
        AssertErasedUnderOwnPseudonymAsync(_app, "oidc|tenant/user 42");

    /// <summary>
    /// The user <paramref name="subject"/> uploads, an admin erases the subject sent percent-encoded, and Genlook is asked
    /// to delete exactly the pseudonym the upload carried.
    /// </summary>
    internal static async Task AssertErasedUnderOwnPseudonymAsync(GatewayApp app, string subject)
    {
        var session = new AppSession(app.ClientFor(subject));
        await session.UploadImageIdAsync();
        var uploaded = app.Emulator.Requests.Matching("POST", "/tryon/v1/images/upload").Single().Parts.Single(p => p.Name == "externalUserId").Value;
        Assert.Equal(TestTokens.PseudonymOf(subject), uploaded);

        var accepted = await app.ClientFor("officer", scope: "gdpr:erase").DeleteAsync("/gdpr/users/" + Uri.EscapeDataString(subject));
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());

        Assert.True(await Poll.UntilAsync(() => Task.FromResult(app.Emulator.State.DeletedCustomers.Contains(uploaded)), TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task EraseUser_EncodedSlashInSubjectOnKestrel_ErasesTheSubjectAsSent()
    {
        // A literal "%2F" in a subject survives only the raw-target decoding (routes are exact: /GDPR/Users is no route).
        const string subject = "legacy|tenant%2Fuser";
        await using var kestrel = await GatewayApp.StartAsync(_redis.ConnectionString, Settings(), emulator: _app.Emulator, kestrel: true);
        var session = new AppSession(kestrel.ClientFor(subject));
        await session.UploadImageIdAsync();
        var uploaded = _app.Emulator.Requests.Matching("POST", "/tryon/v1/images/upload").Single().Parts.Single(p => p.Name == "externalUserId").Value;
        Assert.Equal(TestTokens.PseudonymOf(subject), uploaded);
        var admin = kestrel.ClientFor("officer", scope: "gdpr:erase");

        var accepted = await admin.DeleteAsync("/gdpr/users/" + Uri.EscapeDataString(subject));

        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var location = accepted.Headers.Location!.ToString();
        Assert.True(await Poll.UntilAsync(async () => (await JobAsync(admin, location)).GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(15)));
        Assert.Contains(uploaded, _app.Emulator.State.DeletedCustomers);
    }
}
