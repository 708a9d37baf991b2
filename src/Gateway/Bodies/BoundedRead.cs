using System.Buffers;

namespace Genlook.Gateway.Bodies;

/// <summary>Reads a whole body that must stay small (a JSON body, a form field, an upstream answer) without trusting its length.</summary>
internal static class BoundedRead
{
    /// <summary>
    /// The bytes of <paramref name="stream"/>, or <c>null</c> as soon as they would exceed <paramref name="limit"/>.
    /// <paramref name="declaredLength"/> (a Content-Length) sizes the one allocation of the usual case; a shorter body
    /// than announced is returned as it is.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, long? declaredLength, long limit, CancellationToken cancellationToken)
    {
        if (declaredLength > limit)
        {
            return null;
        }

        if (declaredLength is { } length)
        {
            var exact = new byte[length];
            var filled = await stream.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, cancellationToken);
            return filled == exact.Length ? exact : exact[..filled];
        }

        using var memory = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (memory.Length + read > limit)
                {
                    return null;
                }

                memory.Write(buffer, 0, read);
            }

            return memory.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
