using System.Text;
using Genlook.Gateway.Bodies;
using Genlook.Gateway.Compat;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Genlook.Gateway.Fuzz.Targets;

/// <summary>
/// A multipart body through <see cref="MultipartRewriter"/> with both policies the pipeline uses: the upload form and a
/// try-on's JSON <c>data</c> field. Input: the boundary on the first line, the body after it.
/// </summary>
internal sealed class MultipartTarget : IFuzzTarget
{
    private static readonly BodyLimits Limits = BodyLimits.Default;
    private readonly JsonBodyRewriter _rewriter = new(new CompatEngine(CompatRules.All));

    public string Name => "multipart";

    public void Run(ReadOnlySpan<byte> input)
    {
        var newline = input.IndexOf((byte)'\n');
        var boundaryLine = (newline < 0 ? input : input[..newline]).TrimEnd((byte)'\r');
        var body = newline < 0 ? [] : input[(newline + 1)..].ToArray();

        // As Kestrel hands the header over: visible ASCII (it refuses other bytes in a header value).
        foreach (var b in boundaryLine)
        {
            if (b is < 0x20 or > 0x7E)
            {
                return;
            }
        }

        var boundary = MultipartRewriter.GetBoundary("multipart/form-data; boundary=" + Encoding.ASCII.GetString(boundaryLine));
        if (boundary is null)
        {
            return;
        }

        var upload = new UploadFormPolicy(Caller.Pseudonym);
        Rewrite(body, boundary, upload, "upload", output =>
        {
            var attributions = output.Where(p => p.Name == "externalUserId").ToList();
            FuzzTargets.Check(attributions.Count == 1 && !attributions[0].IsFile && attributions[0].Bytes.SequenceEqual(Encoding.UTF8.GetBytes(Caller.Pseudonym)),
                $"upload: {attributions.Count} externalUserId parts forwarded, expected exactly one text part holding the pseudonym");
            FuzzTargets.Check(!output.Any(p => p.Name is "customerId" or "retentionDays"), "upload: a legacy field (customerId, retentionDays) forwarded");
            FuzzTargets.Check(output.Count(p => p.Name == "keepForDays") <= 1, "upload: more than one keepForDays forwarded");
        });

        var data = new DataFieldPolicy(value => _rewriter.RewriteTryOn(value.Span, Caller.Pseudonym));
        Rewrite(body, boundary, data, "try-on data", output =>
        {
            var fields = output.Where(p => p.Name == "data").ToList();
            FuzzTargets.Check(fields.Count == 1 && !fields[0].IsFile, $"try-on data: {fields.Count} data parts forwarded, expected exactly one text part");
            FuzzTargets.Check(fields[0].Bytes.SequenceEqual(data.Data!.Body), "try-on data: the forwarded data part is not the rewritten body");
            JsonInvariants.ForwardedTryOn(data.Data, "try-on data");
        }, () => data.Data is { } rewrite && JsonInvariants.WouldForwardTryOn(rewrite));
    }

    private static void Rewrite(byte[] body, string boundary, IMultipartFieldPolicy policy, string where, Action<List<Part>> check, Func<bool>? forwarded = null)
    {
        var result = MultipartRewriter.RewriteAsync(new MemoryStream(body, writable: false), boundary, policy, Limits, CancellationToken.None)
            .GetAwaiter().GetResult();
        if (result.Body is not { } output)
        {
            FuzzTargets.Check(result.Errors is not null || result.TooLargePart is not null, $"{where}: neither a body nor a reason");
            return;
        }

        using (output)
        {
            if (forwarded is not null && !forwarded())
            {
                return;
            }

            // The pipeline announces Body.Length as Content-Length: it must be what is read.
            var announced = output.Length;
            using var copy = new MemoryStream();
            output.CopyTo(copy);
            FuzzTargets.Check(copy.Length == announced, $"{where}: Content-Length {announced} but {copy.Length} bytes forwarded");

            var sent = Parse(body, boundary, where, "sent") ?? throw new InvariantViolationException($"{where}: a body .NET's reader refuses was rewritten");
            var parts = Parse(copy.ToArray(), boundary, where, "forwarded")
                ?? throw new InvariantViolationException($"{where}: the forwarded body does not parse with MultipartReader");

            var sentFiles = sent.Where(p => p.IsFile).ToList();
            var forwardedFiles = parts.Where(p => p.IsFile).ToList();
            FuzzTargets.Check(sentFiles.Count == forwardedFiles.Count, $"{where}: {sentFiles.Count} file parts sent, {forwardedFiles.Count} forwarded");
            for (var i = 0; i < sentFiles.Count; i++)
            {
                FuzzTargets.Check(sentFiles[i].Name == forwardedFiles[i].Name && sentFiles[i].FileName == forwardedFiles[i].FileName &&
                                  sentFiles[i].Bytes.SequenceEqual(forwardedFiles[i].Bytes), $"{where}: file part {i} changed on the way");
            }

            check(parts);
        }
    }

    private sealed record Part(string Name, string? FileName, bool IsFile, byte[] Bytes);

    /// <summary>The parts as .NET's reader sees them (the rewriter's own limits); <c>null</c> when it refuses the body.</summary>
    private static List<Part>? Parse(byte[] body, string boundary, string where, string which)
    {
        var parts = new List<Part>();
        var reader = new MultipartReader(boundary, new MemoryStream(body, writable: false)) { HeadersCountLimit = 16, HeadersLengthLimit = 16 * 1024 };
        try
        {
            while (reader.ReadNextSectionAsync().GetAwaiter().GetResult() is { } section)
            {
                FuzzTargets.Check(ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition),
                    $"{where}: a {which} part without a readable Content-Disposition");
                using var bytes = new MemoryStream();
                section.Body.CopyTo(bytes);
                parts.Add(new Part(HeaderUtilities.RemoveQuotes(disposition!.Name).Value ?? "", disposition.FileName.Value,
                    disposition.IsFileDisposition(), bytes.ToArray()));
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            return null;
        }

        return parts;
    }
}
