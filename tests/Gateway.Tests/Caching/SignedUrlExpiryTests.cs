using Genlook.Gateway.Caching;

namespace Genlook.Gateway.Tests.Caching;

public sealed class SignedUrlExpiryTests
{
    [Theory]
    [InlineData("https://storage.googleapis.com/b/o.png?X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Date=20261124T100000Z&X-Goog-Expires=900&X-Goog-Signature=ab", "2026-11-24T10:15:00Z")]
    [InlineData("https://s3.amazonaws.com/b/o.png?X-Amz-Date=20261124T100000Z&X-Amz-Expires=60&X-Amz-Signature=ab", "2026-11-24T10:01:00Z")]
    [InlineData("https://cdn.example.com/o.png?Expires=1795521600&Signature=x", "2026-11-24T12:00:00Z")]
    [InlineData("https://cdn.example.com/o.png?x-goog-date=20261124T100000Z&x-goog-expires=30", "2026-11-24T10:00:30Z")]
    public void Parse_SignedUrl_ReturnsExpiry(string url, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), SignedUrlExpiry.Parse(url));

    [Theory]
    [InlineData("https://cdn.example.com/o.png")]
    [InlineData("https://cdn.example.com/o.png?X-Goog-Date=garbage&X-Goog-Expires=10")]
    [InlineData("not a url")]
    [InlineData(null)]
    public void Parse_UnsignedOrMalformed_ReturnsNull(string? url) => Assert.Null(SignedUrlExpiry.Parse(url));
}
