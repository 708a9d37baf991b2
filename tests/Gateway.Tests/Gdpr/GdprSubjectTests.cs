using System.Net;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Gdpr;

/// <summary>
/// The subject of <c>DELETE /gdpr/users/{subject}</c> as a real server sees it (Kestrel keeps the raw request target,
/// the in-memory test server does not): exactly the user meant, or a refusal, never a guess.
/// </summary>
public sealed class GdprSubjectTests : IAsyncLifetime
{
    private GatewayApp _app = null!;

    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync(kestrel: true);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/gdpr/users/alice/")]
    [InlineData("/gdpr/users/alice/?x=1")]
    public async Task SubjectWithAnUnencodedSlash_IsValidationFailed_AndNoJob(string path)
    {
        var response = await _app.ClientFor("officer", scope: "gdpr:erase").DeleteAsync(path);

        await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.False(response.Headers.Contains("Location"));
    }

    [Fact]
    public async Task EncodedSubject_IsErasedUnderItsOwnPseudonym()
    {
        const string subject = "oidc|tenant/user 42%";
        var session = new AppSession(_app.ClientFor(subject));
        await session.UploadImageIdAsync();
        var uploaded = _app.Emulator.Requests.Matching("POST", "/tryon/v1/images/upload").Single().Parts.Single(p => p.Name == "externalUserId").Value;

        var accepted = await _app.ClientFor("officer", scope: "gdpr:erase").DeleteAsync("/gdpr/users/" + Uri.EscapeDataString(subject));

        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(_app.Emulator.State.DeletedCustomers.Contains(uploaded)), TimeSpan.FromSeconds(15)));
    }
}
