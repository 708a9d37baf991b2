using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Genlook.Emulator;

/// <summary>A request body read once: the JSON (or multipart <c>data</c>), the parts, for both the handlers and the log.</summary>
internal sealed class ParsedRequest
{
    public const long MaxFileBytes = 10L * 1024 * 1024;

    public string? Json { get; private set; }

    public List<ParsedPart> Parts { get; } = [];

    public bool IsMultipart { get; private set; }

    public bool IsJson { get; private set; }

    /// <summary>Set when the body could not be read as what its Content-Type says.</summary>
    public string? Malformed { get; private set; }

    public static async Task<ParsedRequest> ReadAsync(HttpRequest request, bool hashFiles, CancellationToken cancellationToken)
    {
        var parsed = new ParsedRequest();
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            return parsed;
        }

        try
        {
            if (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                parsed.IsJson = true;
                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                parsed.Json = await reader.ReadToEndAsync(cancellationToken);
            }
            else if (mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                parsed.IsMultipart = true;
                var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
                if (string.IsNullOrEmpty(boundary))
                {
                    parsed.Malformed = "multipart/form-data without a boundary.";
                    return parsed;
                }

                var reader = new MultipartReader(boundary, request.Body);
                var buffer = new byte[64 * 1024];
                while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
                {
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                    {
                        parsed.Malformed = "A part has no Content-Disposition.";
                        return parsed;
                    }

                    var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
                    if (disposition.IsFileDisposition())
                    {
                        using var hash = hashFiles ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
                        var head = new byte[16];
                        long length = 0;
                        int read;
                        while ((read = await section.Body.ReadAsync(buffer, cancellationToken)) > 0)
                        {
                            if (length < head.Length)
                            {
                                Array.Copy(buffer, 0, head, (int)length, (int)Math.Min(read, head.Length - length));
                            }

                            hash?.AppendData(buffer, 0, read);
                            length += read;
                        }

                        var fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value;
                        parsed.Parts.Add(new ParsedPart(name, fileName, section.ContentType, length, hash is null ? "" : Convert.ToHexString(hash.GetHashAndReset()), null, head[..(int)Math.Min(length, head.Length)]));
                    }
                    else
                    {
                        using var text = new StreamReader(section.Body, Encoding.UTF8);
                        var value = await text.ReadToEndAsync(cancellationToken);
                        parsed.Parts.Add(new ParsedPart(name, null, section.ContentType, Encoding.UTF8.GetByteCount(value), "", value, []));
                        if (name == "data")
                        {
                            parsed.Json = value;
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or BadHttpRequestException)
        {
            parsed.Malformed = "Malformed body: " + ex.Message;
        }

        return parsed;
    }

    public string? Field(string name) => Parts.FirstOrDefault(p => p.FileName is null && p.Name == name)?.Value;

    public RecordedPart[] ToRecorded() => Parts.Select(p => new RecordedPart(p.Name, p.FileName, p.ContentType, p.Length, p.Sha256Hex, p.Value)).ToArray();
}

internal sealed record ParsedPart(string Name, string? FileName, string? ContentType, long Length, string Sha256Hex, string? Value, byte[] Head);
