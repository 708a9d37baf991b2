using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Genlook.Emulator;

/// <summary>
/// A request body read once, for both the handlers and the request log: the JSON (or the multipart <c>data</c> field)
/// and every part. Files are streamed through a hash and never kept, so a 10 MB upload costs one 64 KB buffer.
/// </summary>
internal sealed class ParsedRequest
{
    public const long MaxFileBytes = 10L * 1024 * 1024;

    private const int HeadBytes = 16;

    public static readonly ParsedRequest Empty = new();

    public string? Json { get; private set; }

    public List<ParsedPart> Parts { get; } = [];

    public bool IsMultipart { get; private set; }

    public bool IsJson { get; private set; }

    /// <summary>Set when the body could not be read as what its Content-Type says.</summary>
    public string? Malformed { get; private set; }

    /// <summary>The server refused to read the whole body (over the endpoint's request size limit).</summary>
    public bool TooLarge { get; private set; }

    public static async Task<ParsedRequest> ReadAsync(HttpRequest request, bool hashFiles, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            return Empty;
        }

        var parsed = new ParsedRequest();
        try
        {
            if (IsJsonMediaType(mediaType.MediaType.Value))
            {
                parsed.IsJson = true;
                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                parsed.Json = await reader.ReadToEndAsync(cancellationToken);
            }
            else if (mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                parsed.IsMultipart = true;
                await parsed.ReadMultipartAsync(request, mediaType, hashFiles, cancellationToken);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            parsed.TooLarge = true;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or BadHttpRequestException)
        {
            parsed.Malformed = "Malformed body: " + ex.Message;
        }

        return parsed;
    }

    public string? Field(string name) => Parts.FirstOrDefault(p => p.FileName is null && p.Name == name)?.Value;

    public bool HasFile(string? name) => name is not null && Parts.Exists(p => p.FileName is not null && p.Name == name);

    public RecordedPart[] ToRecorded()
    {
        if (Parts.Count == 0)
        {
            return [];
        }

        var recorded = new RecordedPart[Parts.Count];
        for (var i = 0; i < recorded.Length; i++)
        {
            var p = Parts[i];
            recorded[i] = new RecordedPart(p.Name, p.FileName, p.ContentType, p.Length, p.Sha256Hex, p.Value);
        }

        return recorded;
    }

    private static bool IsJsonMediaType(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
                                  mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private async Task ReadMultipartAsync(HttpRequest request, MediaTypeHeaderValue mediaType, bool hashFiles, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            Malformed = "multipart/form-data without a boundary.";
            return;
        }

        var reader = new MultipartReader(boundary, request.Body);
        byte[]? buffer = null;
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                Malformed = "A part has no Content-Disposition.";
                return;
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
            if (disposition.IsFileDisposition())
            {
                buffer ??= new byte[64 * 1024];
                using var hash = hashFiles ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
                var head = new byte[HeadBytes];
                long length = 0;
                int read;
                while ((read = await section.Body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    if (length < HeadBytes)
                    {
                        Array.Copy(buffer, 0, head, (int)length, (int)Math.Min(read, HeadBytes - length));
                    }

                    hash?.AppendData(buffer, 0, read);
                    length += read;
                }

                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value ?? HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                Parts.Add(new ParsedPart(name, fileName ?? string.Empty, section.ContentType, length,
                    hash is null ? string.Empty : Convert.ToHexStringLower(hash.GetHashAndReset()), null, head[..(int)Math.Min(length, HeadBytes)]));
            }
            else
            {
                using var text = new StreamReader(section.Body, Encoding.UTF8);
                var value = await text.ReadToEndAsync(cancellationToken);
                Parts.Add(new ParsedPart(name, null, section.ContentType, Encoding.UTF8.GetByteCount(value), string.Empty, value, []));
                if (name == "data")
                {
                    Json = value;
                }
            }
        }
    }
}

/// <summary>One multipart part. <see cref="FileName"/> is non-null for files; <see cref="Head"/> keeps the magic bytes.</summary>
internal sealed record ParsedPart(string Name, string? FileName, string? ContentType, long Length, string Sha256Hex, string? Value, byte[] Head);
