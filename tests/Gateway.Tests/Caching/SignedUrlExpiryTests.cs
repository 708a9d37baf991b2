using Genlook.Gateway.Caching;

namespace Genlook.Gateway.Tests.Caching;

public sealed class SignedUrlExpiryTests
{
    [Theory]
    [InlineData("https://storage.googleapis.com/b/o.png?X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Date=20261124T100000Z&X-Goog-Expires=900&X-Goog-Signature=ab", "2026-11-24T10:15:00Z")]
    [InlineData("https://s3.amazonaws.com/b/o.png?X-Amz-Date=20261124T100000Z&X-Amz-Expires=60&X-Amz-Signature=ab", "2026-11-24T10:01:00Z")]
    [InlineData("https://cdn.example.com/o.png?Expires=1795521600&Signature=x", "2026-11-24T12:00:00Z")]
    [InlineData("https://cdn.example.com/o.png?x-goog-date=20261124T100000Z&x-goog-expires=30", "2026-11-24T10:00:30Z")]
    [InlineData("https://cdn.example.com/o.png?X%2DGoog%2DDate=%32%30%32%36%31%31%32%34T100000Z&X-Goog-Expires=%39%30", "2026-11-24T10:01:30Z")]
    [InlineData("https://cdn.example.com/o.png?Expires=253402300799&Signature=x", "9999-12-31T23:59:59Z")]
    [InlineData("https://d111111abcdef8.cloudfront.net/o.png?Policy=eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoiaHR0cHM6Ly9kMTExMTExYWJjZGVmOC5jbG91ZGZyb250Lm5ldC9vLnBuZyIsIkNvbmRpdGlvbiI6eyJEYXRlTGVzc1RoYW4iOnsiQVdTOkVwb2NoVGltZSI6MTc5NTUxODAwMH19fV19&Signature=x&Key-Pair-Id=K2JCJMDEHXQW5F", "2026-11-24T11:00:00Z")]
    public void Parse_SignedUrl_ReturnsExpiry(string url, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), SignedUrlExpiry.Parse(url));

    [Theory]
    [InlineData("https://cdn.example.com/o.png?Expires=1795521600&Expires=1795518000", "2026-11-24T11:00:00Z")]
    [InlineData("https://cdn.example.com/o.png?expires=1795521600&Expires=1795518000", "2026-11-24T11:00:00Z")]
    [InlineData("https://cdn.example.com/o.png?X-Goog-Date=20261124T100000Z&X-Goog-Expires=7200&X-Goog-Expires=60", "2026-11-24T10:01:00Z")]
    [InlineData("https://cdn.example.com/o.png?X-Goog-Date=20261124T100000Z&X-Goog-Expires=900&Expires=1795518000", "2026-11-24T10:15:00Z")]
    public void Parse_ExpiriesThatDisagree_ReturnsEarliest(string url, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), SignedUrlExpiry.Parse(url));

    [Theory]
    [InlineData("https://cdn.example.com/o.png?X-Goog-Date=garbage&X-Goog-Expires=10")]
    [InlineData("https://cdn.example.com/o.png?X-Goog-Date=20261124T100000Z&X-Goog-Expires=-5")]
    [InlineData("https://cdn.example.com/o.png?X-Goog-Date=20261124T100000Z&X-Goog-Expires=99999999999999")]
    [InlineData("https://cdn.example.com/o.png?X-Goog-Date=20261124T100000Z&X-Goog-Expires=9223372036854775808")]
    [InlineData("https://cdn.example.com/o.png?X-Goog-Date=99991231T235959Z&X-Goog-Expires=900")]
    [InlineData("https://cdn.example.com/o.png?X-Amz-Date=20261124T100000Z&X-Amz-Signature=ab")]
    [InlineData("https://cdn.example.com/o.png?X-Amz-Expires=60&X-Amz-Signature=ab")]
    [InlineData("https://cdn.example.com/o.png?Expires=99999999999999&Signature=x")]
    [InlineData("https://cdn.example.com/o.png?Expires=-1&Signature=x")]
    [InlineData("https://cdn.example.com/o.png?Expires=Tue%2C%2024%20Nov%202026%2012%3A00%3A00%20GMT")]
    [InlineData("https://cdn.example.com/o.png?Expires=1795521600&Expires=soon")]
    [InlineData("https://d111111abcdef8.cloudfront.net/o.png?Policy=not-base64!&Signature=x&Key-Pair-Id=K2JCJMDEHXQW5F")]
    [InlineData("https://d111111abcdef8.cloudfront.net/o.png?Policy=eyJTdGF0ZW1lbnQiOlt7IlJlc291cmNlIjoiaHR0cHM6Ly9kMTExMTExYWJjZGVmOC5jbG91ZGZyb250Lm5ldC8qIiwiQ29uZGl0aW9uIjp7IklwQWRkcmVzcyI6eyJBV1M6U291cmNlSXAiOiIxOTIuMC4yLjAvMjQifX19XX0_&Signature=x&Key-Pair-Id=K2JCJMDEHXQW5F")]
    public void Parse_ExpiryThatCannotBeRead_ReturnsAlreadyExpired(string url) =>
        Assert.Equal(DateTimeOffset.MinValue, SignedUrlExpiry.Parse(url));

    [Theory]
    [InlineData("https://cdn.example.com/o.png")]
    [InlineData("https://cdn.example.com/o.png?w=512&Signature=x")]
    [InlineData("https://cdn.example.com/o.png?policy=public")]
    [InlineData("not a url")]
    [InlineData(null)]
    public void Parse_Unsigned_ReturnsNull(string? url) => Assert.Null(SignedUrlExpiry.Parse(url));
}
