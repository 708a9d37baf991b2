using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Genlook.Emulator;

/// <summary>
/// Result images behind signed, expiring URLs shaped like Google Cloud Storage V4 (<c>X-Goog-Date</c>,
/// <c>X-Goog-Expires</c>, <c>X-Goog-Signature</c>): re-signed on every status read, refused once expired.
/// </summary>
internal sealed class ResultImages(TimeProvider time)
{
    private const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public static readonly byte[] Png = BuildPng(64, 80, 0xE6, 0x39, 0x46);

    public string SignedUrl(string baseUrl, string generationId, TimeSpan lifetime)
    {
        var date = time.GetUtcNow().UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);
        var expires = ((long)lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return $"{baseUrl.TrimEnd('/')}/_emulator/results/{generationId}.png?X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Date={date}&X-Goog-Expires={expires}&X-Goog-Signature={Sign(generationId, date, expires)}";
    }

    /// <summary><c>null</c> when the URL is valid now, else the HTTP status GCS would answer.</summary>
    public int? Check(string generationId, string? date, string? expires, string? signature)
    {
        if (date is null || expires is null || signature is null ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(generationId, date, expires)), Encoding.ASCII.GetBytes(signature)))
        {
            return StatusCodes.Status403Forbidden;
        }

        if (!DateTimeOffset.TryParseExact(date, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt) ||
            !long.TryParse(expires, CultureInfo.InvariantCulture, out var seconds) || signedAt.AddSeconds(seconds) < time.GetUtcNow())
        {
            return StatusCodes.Status400BadRequest;
        }

        return null;
    }

    private string Sign(string generationId, string date, string expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{generationId}\n{date}\n{expires}")));

    /// <summary>A solid-colour RGB PNG (so the URL really serves an image a browser can open).</summary>
    private static byte[] BuildPng(int width, int height, byte r, byte g, byte b)
    {
        var raw = new byte[height * (1 + (width * 3))];
        for (var y = 0; y < height; y++)
        {
            var row = y * (1 + (width * 3));
            for (var x = 0; x < width; x++)
            {
                raw[row + 1 + (x * 3)] = r;
                raw[row + 2 + (x * 3)] = g;
                raw[row + 3 + (x * 3)] = b;
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(raw);
        }

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // truecolour
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typed = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        png.Write(typed);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typed));
        png.Write(length);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var value in data)
        {
            crc ^= value;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
