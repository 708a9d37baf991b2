using System.Buffers;
using System.Text;
using Genlook.Gateway.Errors;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Genlook.Gateway.Bodies;

/// <summary>What to do with one non-file field of a multipart body.</summary>
internal readonly record struct FieldDecision(FieldAction Action, string? Name = null, ReadOnlyMemory<byte> Value = default)
{
    public static readonly FieldDecision Keep = new(FieldAction.Keep);
    public static readonly FieldDecision Drop = new(FieldAction.Drop);

    public static FieldDecision Replace(string name, ReadOnlyMemory<byte> value) => new(FieldAction.Replace, name, value);
}

internal enum FieldAction
{
    Keep,
    Drop,
    Replace,
}

/// <summary>Decides about the fields of one multipart body; errors stop the rewrite (nothing is forwarded).</summary>
internal interface IMultipartFieldPolicy
{
    FieldDecision OnField(string name, ReadOnlyMemory<byte> value, List<ErrorDetail> errors);

    /// <summary>
    /// Whether the policy rewrites (or drops) a text field of this name. A file part of that name is refused, since a
    /// parser that reads the part as a field (RFC 7578 ignores <c>filename*</c>) would see a second one beside the policy's.
    /// </summary>
    bool RewritesField(string name);

    /// <summary>Fields appended after the last part (e.g. the caller's <c>externalUserId</c>).</summary>
    IEnumerable<(string Name, string Value)> AppendedFields(List<ErrorDetail> errors);
}

/// <summary>
/// Streams a <c>multipart/form-data</c> body into a <see cref="SpooledBuffer"/>, rewriting its text fields through a
/// policy and copying file parts byte for byte (names, file names, content types and bytes unchanged). File parts go to
/// a temporary file past a small threshold, so memory stays flat whatever the upload size. The whole body is checked
/// (every file within the limit, the multipart well formed) before a single byte is forwarded.
/// </summary>
internal static class MultipartRewriter
{
    private const int MaxParts = 64;
    private const int CopyBufferSize = 64 * 1024;
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    public static string? GetBoundary(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Two boundary parameters are refused: an upstream that reads the other one would find, inside file bytes the
        // gateway forwards untouched, parts the gateway never saw (e.g. a second externalUserId).
        var boundaries = 0;
        foreach (var parameter in mediaType.Parameters)
        {
            if (parameter.Name.Equals("boundary", StringComparison.OrdinalIgnoreCase) && ++boundaries > 1)
            {
                return null;
            }
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        return string.IsNullOrWhiteSpace(boundary) || boundary.Length > 70 ? null : boundary;
    }

    /// <param name="body">The incoming body.</param>
    /// <param name="boundary">Its boundary (kept for the rewritten body).</param>
    /// <param name="policy">What to do with each text field.</param>
    /// <param name="limits">Size limits.</param>
    /// <param name="cancellationToken">Request abort.</param>
    public static async Task<MultipartRewriteResult> RewriteAsync(
        Stream body, string boundary, IMultipartFieldPolicy policy, BodyLimits limits, CancellationToken cancellationToken)
    {
        var output = new SpooledBuffer(limits.MemoryThreshold);
        var errors = new List<ErrorDetail>();
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            var reader = new MultipartReader(boundary, body) { HeadersCountLimit = 16, HeadersLengthLimit = 16 * 1024 };
            var delimiter = Encoding.ASCII.GetBytes("--" + boundary + "\r\n");
            var parts = 0;
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(cancellationToken)) is not null)
            {
                if (++parts > MaxParts)
                {
                    return Fail(output, new ErrorDetail("", $"Too many parts (at most {MaxParts})."));
                }

                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase) || string.IsNullOrEmpty(disposition.Name.Value))
                {
                    return Fail(output, new ErrorDetail($"parts.{parts - 1}", "Each part needs 'Content-Disposition: form-data; name=\"…\"'."));
                }

                if (HasAmbiguousParameters(disposition))
                {
                    return Fail(output, new ErrorDetail($"parts.{parts - 1}", "Each part's Content-Disposition parameters must appear once, with a name given as name=\"…\" (no name*, no backslash escapes)."));
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value!;
                if (disposition.IsFileDisposition())
                {
                    if (policy.RewritesField(name))
                    {
                        errors.Add(new ErrorDetail(name, $"'{name}' must be a text field, not a file."));
                        await output.DisposeAsync();
                        return MultipartRewriteResult.Invalid(errors);
                    }

                    await output.WriteAsync(delimiter, cancellationToken);
                    await WriteHeadersAsync(output, section, null, cancellationToken);
                    var copied = await CopyBoundedAsync(section.Body, output, buffer, limits.MaxFileBytes, cancellationToken);
                    if (copied > limits.MaxFileBytes)
                    {
                        await output.DisposeAsync();
                        return MultipartRewriteResult.TooLarge(name);
                    }

                    await output.WriteAsync(CrLf, cancellationToken);
                    continue;
                }

                var value = await BoundedRead.ReadAsync(section.Body, null, limits.MaxFieldBytes, cancellationToken);
                if (value is null)
                {
                    return Fail(output, new ErrorDetail(name, $"Field exceeds {limits.MaxFieldBytes / 1024} KB."));
                }

                var decision = policy.OnField(name, value, errors);
                if (errors.Count > 0)
                {
                    await output.DisposeAsync();
                    return MultipartRewriteResult.Invalid(errors);
                }

                switch (decision.Action)
                {
                    case FieldAction.Keep:
                        await output.WriteAsync(delimiter, cancellationToken);
                        await WriteHeadersAsync(output, section, null, cancellationToken);
                        await output.WriteAsync(value, cancellationToken);
                        await output.WriteAsync(CrLf, cancellationToken);
                        break;
                    case FieldAction.Replace:
                        await output.WriteAsync(delimiter, cancellationToken);
                        await WriteHeadersAsync(output, section, decision.Name, cancellationToken);
                        await output.WriteAsync(decision.Value, cancellationToken);
                        await output.WriteAsync(CrLf, cancellationToken);
                        break;
                }
            }

            foreach (var (name, value) in policy.AppendedFields(errors))
            {
                await output.WriteAsync(delimiter, cancellationToken);
                await output.WriteAsync(Encoding.UTF8.GetBytes($"Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"), cancellationToken);
            }

            if (errors.Count > 0)
            {
                await output.DisposeAsync();
                return MultipartRewriteResult.Invalid(errors);
            }

            if (parts == 0)
            {
                return Fail(output, new ErrorDetail("", "The multipart body has no parts."));
            }

            await output.WriteAsync(Encoding.ASCII.GetBytes("--" + boundary + "--\r\n"), cancellationToken);
            output.CompleteWriting();
            return MultipartRewriteResult.Ok(output);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            // Truncated body, missing closing boundary, oversized part headers: MultipartReader's way of saying "malformed".
            // A body the server could not read at all arrives as a ClientBodyException, for the caller to answer.
            return Fail(output, new ErrorDetail("", "Malformed multipart body: " + ex.Message));
        }
        catch
        {
            await output.DisposeAsync();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// True when RFC 7578 parsers could name the part differently from the gateway, which reads the first of repeated
    /// parameters, ignores <c>name*</c> (RFC 2231) and keeps quoted-pair escapes: forwarded, such a part could be Genlook's
    /// <c>externalUserId</c> or <c>data</c> beside the one the policy decided on (or a field where the gateway saw a file).
    /// </summary>
    private static bool HasAmbiguousParameters(ContentDispositionHeaderValue disposition)
    {
        var parameters = disposition.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            if (parameter.Name.Equals("name*", StringComparison.OrdinalIgnoreCase) ||
                (parameter.Name.Equals("name", StringComparison.OrdinalIgnoreCase) && parameter.Value.IndexOf('\\') >= 0))
            {
                return true;
            }

            for (var j = 0; j < i; j++)
            {
                if (parameters[j].Name.Equals(parameter.Name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static MultipartRewriteResult Fail(SpooledBuffer output, ErrorDetail error)
    {
        output.Dispose();
        return MultipartRewriteResult.Invalid([error]);
    }

    private static async Task WriteHeadersAsync(Stream output, MultipartSection section, string? renamedField, CancellationToken cancellationToken)
    {
        var builder = new StringBuilder(128);
        foreach (var (headerName, values) in section.Headers!)
        {
            if (renamedField is not null && headerName.Equals(HeaderNames.ContentDisposition, StringComparison.OrdinalIgnoreCase))
            {
                builder.Append("Content-Disposition: form-data; name=\"").Append(renamedField).Append("\"\r\n");
                continue;
            }

            foreach (var value in values)
            {
                builder.Append(headerName).Append(": ").Append(value).Append("\r\n");
            }
        }

        builder.Append("\r\n");
        await output.WriteAsync(Encoding.UTF8.GetBytes(builder.ToString()), cancellationToken);
    }

    /// <summary>Copies until the end or one byte past <paramref name="limit"/>; returns the bytes copied.</summary>
    private static async Task<long> CopyBoundedAsync(Stream source, Stream destination, byte[] buffer, long limit, CancellationToken cancellationToken)
    {
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return total;
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        return total;
    }
}

/// <summary>The rewritten multipart body, or why it cannot be forwarded.</summary>
internal sealed class MultipartRewriteResult
{
    public SpooledBuffer? Body { get; private init; }

    public IReadOnlyList<ErrorDetail>? Errors { get; private init; }

    /// <summary>The file part that exceeded the limit, when that is what failed.</summary>
    public string? TooLargePart { get; private init; }

    public static MultipartRewriteResult Ok(SpooledBuffer body) => new() { Body = body };

    public static MultipartRewriteResult Invalid(IReadOnlyList<ErrorDetail> errors) => new() { Errors = errors };

    public static MultipartRewriteResult TooLarge(string part) => new() { TooLargePart = part };
}

/// <summary>Body limits of the pipeline.</summary>
internal sealed record BodyLimits(long MaxFileBytes, int MaxFieldBytes, int MaxJsonBytes, int MemoryThreshold)
{
    /// <summary>Genlook's own limits: 10 MB per file; JSON and text fields up to 1 MB; spill to disk past 64 KB.</summary>
    public static readonly BodyLimits Default = new(10L * 1024 * 1024, 1024 * 1024, 1024 * 1024, 64 * 1024);
}
