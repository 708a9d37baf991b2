using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Genlook.Gateway.Bodies;
using Genlook.Gateway.Errors;
using Microsoft.AspNetCore.WebUtilities;

namespace Genlook.Gateway.Tests.Bodies;

/// <summary>The multipart rewriter keeps every file part byte for byte, whatever the order, sizes, boundary or chunking.</summary>
public sealed class MultipartRewriterTests
{
    private static readonly BodyLimits SmallLimits = new(MaxFileBytes: 256 * 1024, MaxFieldBytes: 64 * 1024, MaxJsonBytes: 64 * 1024, MemoryThreshold: 8 * 1024);

    /// <summary>Replaces the value of field "x-upper" by its upper case, drops "drop-me", keeps the rest, appends "appended".</summary>
    private sealed class TestPolicy : IMultipartFieldPolicy
    {
        public FieldDecision OnField(string name, ReadOnlyMemory<byte> value, List<ErrorDetail> errors) => name switch
        {
            "drop-me" => FieldDecision.Drop,
            "x-upper" => FieldDecision.Replace("x-upper", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(value.Span).ToUpperInvariant())),
            _ => FieldDecision.Keep,
        };

        public bool RewritesField(string name) => false;

        public IEnumerable<(string Name, string Value)> AppendedFields(List<ErrorDetail> errors) => [("appended", "yes")];
    }

    private sealed record Part(string Name, string? FileName, string? ContentType, byte[] Bytes);

    private static readonly Gen<Part> GenPart =
        Gen.Select(
            Gen.OneOf("file", "back", "front", "data-not", "crop", "drop-me", "x-upper", "unknown_field"),
            Gen.Bool,
            Gen.OneOf("image/jpeg", "image/png", "application/octet-stream"),
            Gen.Int[0, 200_000],
            Gen.Int)
        .Select((name, isFile, type, size, seed) =>
        {
            var random = new Random(seed);
            if (!isFile || name is "drop-me" or "x-upper")
            {
                return new Part(name, null, null, Encoding.UTF8.GetBytes("value-" + random.Next(1000)));
            }

            var bytes = new byte[size];
            random.NextBytes(bytes);
            return new Part(name, name + ".bin", type, bytes);
        });

    private static byte[] Build(IReadOnlyList<Part> parts, string boundary)
    {
        using var memory = new MemoryStream();
        void Write(string s) => memory.Write(Encoding.UTF8.GetBytes(s));
        foreach (var part in parts)
        {
            Write($"--{boundary}\r\n");
            Write(part.FileName is null
                ? $"Content-Disposition: form-data; name=\"{part.Name}\"\r\n"
                : $"Content-Disposition: form-data; name=\"{part.Name}\"; filename=\"{part.FileName}\"\r\nContent-Type: {part.ContentType}\r\n");
            Write("\r\n");
            memory.Write(part.Bytes);
            Write("\r\n");
        }

        Write($"--{boundary}--\r\n");
        return memory.ToArray();
    }

    private static async Task<List<Part>> ParseAsync(Stream body, string boundary)
    {
        var reader = new MultipartReader(boundary, body);
        var parts = new List<Part>();
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition!);
            using var memory = new MemoryStream();
            await section.Body.CopyToAsync(memory);
            parts.Add(new Part(disposition.Name!.Trim('"'), disposition.FileName?.Trim('"'), section.ContentType, memory.ToArray()));
        }

        return parts;
    }

    /// <summary>Hands out the body in random-sized chunks, as a slow network would.</summary>
    private sealed class ChunkedStream(byte[] data, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, _random.Next(1, 5000)), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void Rewrite_RandomBodies_KeepsFilesByteForByteAndAppliesPolicy()
    {
        Gen.Select(GenPart.List[1, 8], Gen.String[Gen.Char.AlphaNumeric, 1, 60], Gen.Int)
            .Sample((parts, boundarySuffix, seed) =>
            {
                var boundary = "b" + boundarySuffix;
                var input = Build(parts, boundary);

                var result = MultipartRewriter.RewriteAsync(new ChunkedStream(input, seed), boundary, new TestPolicy(), SmallLimits, CancellationToken.None).GetAwaiter().GetResult();

                var tooLarge = parts.Any(p => p.FileName is not null && p.Bytes.Length > SmallLimits.MaxFileBytes);
                if (tooLarge)
                {
                    return result.TooLargePart is not null && result.Body is null;
                }

                using var body = result.Body!;
                var output = ParseAsync(body, boundary).GetAwaiter().GetResult();
                var expected = parts.Where(p => p.Name != "drop-me" || p.FileName is not null)
                    .Select(p => p.Name == "x-upper" && p.FileName is null ? p with { Bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(p.Bytes).ToUpperInvariant()) } : p)
                    .Append(new Part("appended", null, null, "yes"u8.ToArray()))
                    .ToList();
                return output.Count == expected.Count && output.Zip(expected).All(pair =>
                    pair.First.Name == pair.Second.Name && pair.First.FileName == pair.Second.FileName &&
                    pair.First.ContentType == pair.Second.ContentType && pair.First.Bytes.AsSpan().SequenceEqual(pair.Second.Bytes));
            }, iter: 60);
    }

    /// <summary>An upload form field: a legacy or current name the policy rewrites, or one it passes through.</summary>
    private static readonly Gen<Part> GenUploadField =
        Gen.Select(Gen.OneOf("externalUserId", "customerId", "retentionDays", "keepForDays", "crop", "extra", "note"), Gen.Int[0, 2], Gen.String[Gen.Char.AlphaNumeric, 0, 30])
            .Select((name, days, text) => new Part(name, null, null, Encoding.UTF8.GetBytes(name switch
            {
                "retentionDays" or "keepForDays" => (days * 3 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "crop" => days == 0 ? "false" : "true",
                // A text value may hold dashes and line breaks: only a line that starts with the delimiter ends it. The
                // '~' keeps the value from holding the delimiter itself (a boundary is alphanumeric here), which no
                // sender may do: "\r\n--" + text once made a real delimiter whenever text began with the boundary.
                _ => text + "\r\n--~" + text,
            })));

    private static readonly Gen<Part> GenUploadFile =
        Gen.Select(Gen.OneOf("file", "extra-file"), Gen.Int[0, 100_000], Gen.Int)
            .Select((name, size, seed) =>
            {
                var bytes = new byte[size];
                new Random(seed).NextBytes(bytes);
                return new Part(name, name + ".jpg", "image/jpeg", bytes);
            });

    [Fact]
    public void Rewrite_RandomUploadForms_ForwardOnlyThePseudonymAndCurrentNamesWithFilesIntact()
    {
        Gen.Select(Gen.Frequency((3, GenUploadField), (1, GenUploadFile)).List[0, 10], GenUploadFile, Gen.Int[0, 10], Gen.String[Gen.Char.AlphaNumeric, 1, 70], Gen.Int)
            .Sample((extras, file, at, boundary, seed) =>
            {
                var parts = extras.ToList();
                parts.Insert(Math.Min(at, parts.Count), file);

                // Both spellings of the retention with different values are a conflict (COMPAT.md), nothing forwarded.
                var days = parts.Where(p => p.Name is "retentionDays" or "keepForDays" && p.FileName is null).Select(p => Encoding.UTF8.GetString(p.Bytes)).ToList();
                var policy = new UploadFormPolicy("PSEUDONYM");
                var result = MultipartRewriter.RewriteAsync(new ChunkedStream(Build(parts, boundary), seed), boundary, policy, SmallLimits, CancellationToken.None).GetAwaiter().GetResult();
                if (days.Distinct().Count() > 1)
                {
                    return result.Errors is not null && result.Body is null;
                }

                using var body = result.Body!;
                using var forwarded = new MemoryStream();
                body.CopyTo(forwarded);
                forwarded.Position = 0;
                var output = ParseAsync(forwarded, boundary).GetAwaiter().GetResult();
                var expected = parts
                    .Where(p => p.Name is not ("externalUserId" or "customerId"))
                    .Where(p => p.Name is not ("retentionDays" or "keepForDays") || p == parts.First(q => q.Name is "retentionDays" or "keepForDays"))
                    .Select(p => p.Name == "retentionDays" ? p with { Name = "keepForDays" } : p)
                    .Append(new Part("externalUserId", null, null, "PSEUDONYM"u8.ToArray()))
                    .ToList();
                // Content-Length is set from Length: it must be the byte count that is read.
                return forwarded.Length == body.Length && output.Count == expected.Count && output.Zip(expected).All(pair =>
                    pair.First.Name == pair.Second.Name && pair.First.FileName == pair.Second.FileName &&
                    pair.First.ContentType == pair.Second.ContentType &&
                    SHA256.HashData(pair.First.Bytes).AsSpan().SequenceEqual(SHA256.HashData(pair.Second.Bytes)));
            }, iter: 100);
    }

    [Fact]
    public async Task Rewrite_FilePartOverLimit_IsTooLargeAndProducesNoBody()
    {
        var body = Build([new Part("crop", null, null, "true"u8.ToArray()), new Part("file", "big.jpg", "image/jpeg", new byte[SmallLimits.MaxFileBytes + 1])], "xyz");

        var result = await MultipartRewriter.RewriteAsync(new MemoryStream(body), "xyz", new TestPolicy(), SmallLimits, CancellationToken.None);

        Assert.Equal("file", result.TooLargePart);
        Assert.Null(result.Body);
    }

    [Theory]
    [InlineData("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue")]
    [InlineData("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--xyz")]
    [InlineData("not multipart at all")]
    [InlineData("--xyz\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n--xyz--\r\n")]
    [InlineData("--xyz--\r\n")]
    public async Task Rewrite_MalformedBody_IsInvalid(string raw)
    {
        var result = await MultipartRewriter.RewriteAsync(new MemoryStream(Encoding.UTF8.GetBytes(raw)), "xyz", new TestPolicy(), SmallLimits, CancellationToken.None);

        Assert.NotNull(result.Errors);
        Assert.Null(result.Body);
    }

    [Theory]
    [InlineData("name=\"external\\UserId\"")]
    [InlineData("name=\"a\"; name*=UTF-8''externalUserId")]
    [InlineData("name=\"a\"; name=\"externalUserId\"")]
    [InlineData("name=\"data\"; filename=\"d.json\"; filename=\"\"")]
    public async Task Rewrite_PartNameOtherParsersReadDifferently_IsInvalid(string parameters)
    {
        // RFC 7578 parsers unescape quoted-pairs, read name* (RFC 2231) and pick either of two parameters: a part the
        // gateway reads as "a" could be Genlook's externalUserId (or data), beside the one the policy wrote.
        var raw = $"--xyz\r\nContent-Disposition: form-data; {parameters}\r\n\r\nvictim\r\n--xyz--\r\n";

        var result = await MultipartRewriter.RewriteAsync(new MemoryStream(Encoding.UTF8.GetBytes(raw)), "xyz", new TestPolicy(), SmallLimits, CancellationToken.None);

        Assert.NotNull(result.Errors);
        Assert.Null(result.Body);
    }

    [Fact]
    public async Task Rewrite_LargeFile_SpillsToDiskAndStaysIntact()
    {
        var file = RandomNumberGenerator.GetBytes(200_000);
        var body = Build([new Part("file", "a.jpg", "image/jpeg", file)], "zz");

        var result = await MultipartRewriter.RewriteAsync(new MemoryStream(body), "zz", new TestPolicy(), SmallLimits, CancellationToken.None);

        await using var output = result.Body!;
        var parts = await ParseAsync(output, "zz");
        Assert.Equal(file, parts[0].Bytes);
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=abc", "abc")]
    [InlineData("multipart/form-data; boundary=\"a b\"", "a b")]
    [InlineData("multipart/form-data", null)]
    [InlineData("multipart/form-data; boundary=a; boundary=b", null)]
    [InlineData("multipart/form-data; boundary=a; BOUNDARY=a", null)]
    [InlineData("application/json", null)]
    [InlineData(null, null)]
    public void GetBoundary_ParsesContentType(string? contentType, string? boundary) =>
        Assert.Equal(boundary, MultipartRewriter.GetBoundary(contentType));
}
