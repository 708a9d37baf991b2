using Genlook.Gateway.Errors;
using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Bodies;

/// <summary>
/// The request body as the body stage reads it: a read that fails because of the client (Kestrel's
/// <see cref="BadHttpRequestException"/>, its parser's <see cref="IOException"/> such as an overflowing chunk size, a
/// reset or aborted connection) surfaces as one <see cref="ClientBodyException"/>, answered in one place, and is not
/// mistaken for a failure of the gateway's own I/O (the multipart spool) or for a malformed multipart body.
/// </summary>
internal sealed class ClientBodyStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            throw new ClientBodyException(ex);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The request body is read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>The client's body could not be read; <see cref="ToError"/> is the answer (nothing is forwarded).</summary>
internal sealed class ClientBodyException(Exception inner) : Exception("The request body could not be read.", inner)
{
    /// <summary>413 where the server stopped a body over its limit, else 400 <c>VALIDATION_FAILED</c> on <c>body</c>.</summary>
    public GatewayError ToError(long? maxRequestBodySize) =>
        InnerException is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
            ? RequestGuardMiddleware.BodyTooLarge(maxRequestBodySize)
            : GatewayErrors.ValidationFailed("body", "The request body could not be read: it was cut short, sent too slowly or framed wrongly.");
}
