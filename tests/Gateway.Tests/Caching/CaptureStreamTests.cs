using Genlook.Gateway.Caching;
using Microsoft.AspNetCore.Http;

namespace Genlook.Gateway.Tests.Caching;

/// <summary>The status cache's capture of a forwarded answer: synchronous writes never block on asynchronous work.</summary>
public sealed class CaptureStreamTests
{
    [Fact]
    public async Task Write_SynchronousPastTheLimit_GoesToTheClientsSynchronousWriteWithoutWaitingOnAsyncWork()
    {
        var client = new AsyncNeverCompletes();
        using var capture = new GenerationStatusCacheMiddleware.CaptureStream(new DefaultHttpContext().Response, limit: 4) { Client = client };

        // On a thread of its own, bounded: a capture that blocked on the client's async write would never return.
        await Task.Factory.StartNew(() =>
        {
            capture.Write("ab"u8);
            capture.Write("cdef"u8);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(capture.Overflowed);
        Assert.Equal("abcdef"u8.ToArray(), client.Written.ToArray());
    }

    /// <summary>A client whose asynchronous writes never complete; synchronous ones are kept.</summary>
    private sealed class AsyncNeverCompletes : Stream
    {
        public MemoryStream Written { get; } = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => Written.Write(buffer);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => new TaskCompletionSource().Task;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => new(new TaskCompletionSource().Task);

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
