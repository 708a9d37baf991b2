using System.Security.Claims;
using Genlook.Gateway.Identity;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Tests.Identity;

/// <summary>The validated-token memory alone: freshness, bounds, and an identity no request can change.</summary>
public sealed class ValidatedTokensTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static ClaimsIdentity Identity(string subject) => new CaseSensitiveClaimsIdentity([new Claim("sub", subject), new Claim("scope", "a b")], "Bearer", "sub", null);

    [Fact]
    public void Remembered_Token_IsFound_ByItsCharacters_WithTheSameClaims()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember("header.payload.signature", Identity("alice"), Now.AddMinutes(10), Now);

        var found = tokens.Find("Bearer header.payload.signature".AsSpan(7), Now.AddMinutes(1));

        Assert.NotNull(found);
        Assert.Equal("alice", found.FindFirst("sub")?.Value);
        Assert.Equal("a b", found.FindFirst("scope")?.Value);
        Assert.True(found.IsAuthenticated);
        Assert.Null(tokens.Find("header.payload.signaturX", Now));
    }

    [Fact]
    public void Entry_EndsWhenTheTokenExpires()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember("t", Identity("alice"), Now.AddMinutes(2), Now);

        Assert.NotNull(tokens.Find("t", Now.AddMinutes(2).AddMilliseconds(-1)));
        Assert.Null(tokens.Find("t", Now.AddMinutes(2)));
        Assert.Null(tokens.Find("t", Now)); // dropped once found stale
    }

    [Fact]
    public void Entry_EndsAfterMaxAge_EvenForALongLivedToken()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember("t", Identity("alice"), Now.AddHours(8), Now);

        Assert.NotNull(tokens.Find("t", Now + ValidatedTokens.MaxAge - TimeSpan.FromMilliseconds(1)));
        Assert.Null(tokens.Find("t", Now + ValidatedTokens.MaxAge));
    }

    [Fact]
    public void ExpiredToken_IsNotRemembered()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember("t", Identity("alice"), Now.AddSeconds(-1), Now);

        Assert.Null(tokens.Find("t", Now.AddSeconds(-2)));
    }

    [Fact]
    public void Memory_IsBounded_AndStartsOverWhenFull()
    {
        var tokens = new ValidatedTokens();
        for (var i = 0; i < ValidatedTokens.Capacity; i++)
        {
            tokens.Remember("t" + i, Identity("u" + i), Now.AddMinutes(10), Now);
        }

        Assert.NotNull(tokens.Find("t0", Now));
        tokens.Remember("one-more", Identity("x"), Now.AddMinutes(10), Now);

        Assert.Null(tokens.Find("t0", Now));
        Assert.NotNull(tokens.Find("one-more", Now));
    }

    [Fact]
    public void SharedIdentity_CannotBeChanged_ButItsCloneCan()
    {
        var tokens = new ValidatedTokens();
        var original = Identity("alice");
        tokens.Remember("t", original, Now.AddMinutes(10), Now);
        var shared = tokens.Find("t", Now)!;

        Assert.Throws<NotSupportedException>(() => shared.AddClaim(new Claim("role", "admin")));
        Assert.Throws<NotSupportedException>(() => shared.AddClaims([new Claim("role", "admin")]));
        Assert.Throws<NotSupportedException>(() => shared.RemoveClaim(shared.FindFirst("sub")));
        Assert.Throws<NotSupportedException>(() => shared.TryRemoveClaim(shared.FindFirst("sub")));
        Assert.Null(shared.FindFirst("role"));

        var copy = shared.Clone();
        copy.AddClaim(new Claim("role", "admin"));
        Assert.Null(tokens.Find("t", Now)!.FindFirst("role"));

        // The remembered identity is a copy: changing the validator's own instance changes nothing here.
        original.AddClaim(new Claim("role", "admin"));
        Assert.Null(tokens.Find("t", Now)!.FindFirst("role"));
    }

    [Fact]
    public void ClaimTypes_AreCaseSensitive_AsTheTokenHandlersAre()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember("t", Identity("alice"), Now.AddMinutes(10), Now);

        Assert.Null(tokens.Find("t", Now)!.FindFirst("SUB"));
    }
}
