using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Genlook.Gateway.Bodies;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Genlook.Gateway.Idempotency;

/// <summary>
/// SHA-256 of the body the gateway forwards (the body stage leaves it in <see cref="HttpRequest.Body"/>, seekable), read
/// once more and rewound. A JSON body byte for byte; a multipart body part by part (name, file name, content type,
/// length, bytes), leaving out the boundary, since a client's retry picks a new one.
/// </summary>
internal static class BodyFingerprint
{
    public static async Task<string> ComputeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.Body.CanSeek)
        {
            // Not through the body stage (a wiring change): ASP.NET Core's buffering makes it readable twice all the same.
            request.EnableBuffering();
        }

        var body = request.Body;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            body.Position = 0;
            if (MultipartRewriter.GetBoundary(request.ContentType) is { } boundary)
            {
                await AppendPartsAsync(hash, new MultipartReader(boundary, body), buffer, cancellationToken);
            }
            else
            {
                await AppendAsync(hash, body, buffer, cancellationToken);
            }
        }
        finally
        {
            body.Position = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static async Task AppendPartsAsync(IncrementalHash hash, MultipartReader reader, byte[] buffer, CancellationToken cancellationToken)
    {
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            // The body stage wrote every part with one form-data disposition and a name; a file part streams, a field is small.
            var disposition = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var parsed) ? parsed : null;
            var name = disposition is null ? null : HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            if (disposition?.IsFileDisposition() == true)
            {
                AppendHeader(hash, name, disposition.FileName.Value, section.ContentType, 0);
                await AppendAsync(hash, section.Body, buffer, cancellationToken);
                continue;
            }

            using var value = new MemoryStream();
            await section.Body.CopyToAsync(value, cancellationToken);
            AppendHeader(hash, name, null, section.ContentType, value.Length);
            hash.AppendData(value.GetBuffer(), 0, (int)value.Length);
        }
    }

    private static void AppendHeader(IncrementalHash hash, string? name, string? fileName, string? contentType, long length) =>
        hash.AppendData(Encoding.UTF8.GetBytes($"\n{name}\n{fileName}\n{contentType}\n{length}\n"));

    private static async Task AppendAsync(IncrementalHash hash, Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
    }
}
