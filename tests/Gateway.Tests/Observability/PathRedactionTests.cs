using System.Diagnostics;
using Genlook.Gateway.Observability;

namespace Genlook.Gateway.Tests.Observability;

/// <summary>Span attributes of paths that carry personal data keep the template only, however the path is cased (routing ignores case).</summary>
public sealed class PathRedactionTests
{
    [Theory]
    [InlineData("/gdpr/users/auth0|123", "/gdpr/users/{subject}")]
    [InlineData("/GDPR/Users/auth0|123", "/gdpr/users/{subject}")]
    [InlineData("/Gdpr/USERS/auth0|123?x=1", "/gdpr/users/{subject}")]
    [InlineData("https://api.genlook.app/tryon/v1/customers/auth0|123", "https://api.genlook.app/tryon/v1/customers/{customerId}")]
    [InlineData("https://api.genlook.app/TryOn/V1/Customers/auth0|123", "https://api.genlook.app/tryon/v1/customers/{customerId}")]
    public void RedactPath_PersonalPathInAnyCase_KeepsTemplateOnly(string path, string expected)
    {
        using var activity = new Activity("request");
        activity.SetTag("url.path", path);

        ObservabilityExtensions.RedactPath(activity, "url.path", path);

        Assert.Equal(expected, activity.GetTagItem("url.path"));
    }

    [Theory]
    [InlineData("/tryon/v1/generations/g-1")]
    [InlineData("/gdpr/me")]
    [InlineData("/gdpr/jobs/abc")]
    public void RedactPath_OtherPath_IsLeftAsIs(string path)
    {
        using var activity = new Activity("request");
        activity.SetTag("url.path", path);

        ObservabilityExtensions.RedactPath(activity, "url.path", path);

        Assert.Equal(path, activity.GetTagItem("url.path"));
    }
}
