namespace Genlook.Gateway.Bodies;

/// <summary>
/// A write-then-read buffer for a rewritten request body: in memory up to a threshold, then a temporary file that is
/// deleted on dispose. Written by hand because ASP.NET Core's buffering streams do one direction each
/// (<c>FileBufferingReadStream</c> buffers reads of an existing stream; <c>FileBufferingWriteStream</c> can only be
/// drained, not exposed as a request body), and a body must be complete and checked before anything is forwarded.
/// </summary>
internal sealed class SpooledBuffer : Stream
{
    private readonly int _memoryThreshold;
    private MemoryStream? _memory = new();
    private FileStream? _file;
    private bool _reading;

    public SpooledBuffer(int memoryThreshold) => _memoryThreshold = memoryThreshold;

    private Stream Current => (Stream?)_file ?? _memory!;

    public override bool CanRead => _reading;

    public override bool CanSeek => _reading;

    public override bool CanWrite => !_reading;

    public override long Length => Current.Length;

    public override long Position
    {
        get => Current.Position;
        set => Current.Position = value;
    }

    /// <summary>Ends writing; the buffer then reads from the start.</summary>
    public void CompleteWriting()
    {
        _reading = true;
        Current.Position = 0;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        SpillIfNeeded(buffer.Length);
        Current.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        SpillIfNeeded(buffer.Length);
        await Current.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Current.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => Current.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Current.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Current.ReadAsync(buffer, offset, count, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => Current.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _memory?.Dispose();
            _file?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _memory?.Dispose();
        if (_file is not null)
        {
            await _file.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private void SpillIfNeeded(int incoming)
    {
        if (_reading)
        {
            throw new InvalidOperationException("The buffer is being read.");
        }

        if (_file is not null || _memory!.Length + incoming <= _memoryThreshold)
        {
            return;
        }

        var path = Path.Combine(Path.GetTempPath(), "genlook-gateway-" + Guid.NewGuid().ToString("N") + ".tmp");
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous | FileOptions.SequentialScan);
        _memory.Position = 0;
        _memory.CopyTo(_file);
        _memory.Dispose();
        _memory = null;
    }
}
