namespace Genlook.Gateway.Tests.Infrastructure;

public static class TestImages
{
    /// <summary>A valid 1x1 PNG.</summary>
    public static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    /// <summary>A JPEG-looking payload of <paramref name="size"/> bytes (magic bytes, then filler).</summary>
    public static byte[] Jpeg(int size)
    {
        var bytes = new byte[size];
        bytes[0] = 0xFF;
        bytes[1] = 0xD8;
        bytes[2] = 0xFF;
        bytes[3] = 0xE0;
        for (var i = 4; i < size; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        return bytes;
    }
}
