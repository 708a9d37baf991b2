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
    public async Task SubjectWithATrailingSlash_IsRouteNotFound_AndNoJob(string path)
    {
        // Routes are exact: "alice/" is no subject of anyone's, and no route either.
        var response = await _app.ClientFor("officer", scope: "gdpr:erase").DeleteAsync(path);

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
        Assert.False(response.Headers.Contains("Location"));
    }

    [Fact]
    public Task EncodedSubject_IsErasedUnderItsOwnPseudonym() =>
        GdprEraseTests.AssertErasedUnderOwnPseudonymAsync(_app, "oidc|tenant/user 42%");
}
