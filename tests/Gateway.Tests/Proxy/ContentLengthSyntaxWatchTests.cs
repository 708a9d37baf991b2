using System.Text;
using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Tests.Proxy;

public sealed class ContentLengthSyntaxWatchTests
{
    [Theory]
    [InlineData("Content-Length: +83\r\n")]
    [InlineData("content-length:-0\r\n")]
    [InlineData("CONTENT-LENGTH: 8 3\r\n")]
    [InlineData("Content-Length: 83x\r\n")]
    [InlineData("Content-Length: 83,83\r\n")]
    [InlineData("Content-Length: \u00a083\r\n")]
    [InlineData("Content-Length: 83\n")] // a bare LF ends the line too: the next line is still watched
    public void Observe_ContentLengthNotDigitsOnly_MarksTheConnectionWhereverTheBytesAreSplit(string field)
    {
        var bytes = Encoding.Latin1.GetBytes("POST /x HTTP/1.1\r\nHost: a\r\n" + field + (field.EndsWith("83\n", StringComparison.Ordinal) ? "Content-Length: +1\r\n" : "") + "\r\n");

        // Every split point: a field line may arrive in two reads.
        for (var split = 0; split <= bytes.Length; split++)
        {
            var watch = new ContentLengthSyntaxWatch();
            watch.Observe(bytes.AsSpan(0, split));
            watch.Observe(bytes.AsSpan(split));
            Assert.True(watch.Malformed, $"not marked when split at {split}");
        }
    }

    [Theory]
    [InlineData("Content-Length: 83\r\n")]
    [InlineData("Content-Length:83\r\n")]
    [InlineData("content-length: \t0083 \t\r\n")]
    [InlineData("X-Content-Length: +83\r\n")] // another field
    [InlineData("Content-Lengthy: +83\r\n")]
    [InlineData("X-Note: Content-Length: +83\r\n")] // not at the start of a line
    [InlineData("Content-Length: \r\n")] // empty: Kestrel's own bare 400
    public void Observe_DigitsOnlyOrAnotherField_LeavesTheConnectionUnmarked(string field)
    {
        var bytes = Encoding.Latin1.GetBytes("POST /x HTTP/1.1\r\nHost: a\r\n" + field + "\r\n{\"a\":1}");

        for (var split = 0; split <= bytes.Length; split++)
        {
            var watch = new ContentLengthSyntaxWatch();
            watch.Observe(bytes.AsSpan(0, split));
            watch.Observe(bytes.AsSpan(split));
            Assert.False(watch.Malformed, $"marked when split at {split}");
        }
    }
}
