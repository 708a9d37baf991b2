using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// Marks a connection that sent a <c>Content-Length</c> field whose value is not <c>1*DIGIT</c> (RFC 9110 §8.6).
/// Kestrel 10.0 parses the value with a sign (<c>+83</c> is 83, <c>-0</c> is 0; fixed upstream in dotnet/aspnetcore#67635)
/// and keeps only the number, so no middleware can see what was sent: this watches the bytes the connection receives,
/// before Kestrel parses them, and <see cref="RequestFramingMiddleware"/> refuses the connection's requests once it is marked.
/// <para>
/// Every received byte is watched, bodies too (where the request framing ends is what is in doubt): a body with a line
/// <c>Content-Length: x</c> in it (x not digits) marks its connection as well, and the next request on it is refused.
/// </para>
/// </summary>
internal sealed class ContentLengthSyntaxWatch
{
    private const string FieldName = "content-length";

    private State _state = State.LineStart;
    private int _matched;

    private enum State
    {
        LineStart,
        Name,
        SkipLine,
        LeadingSpace,
        Digits,
        TrailingSpace,
    }

    /// <summary>A field line <c>Content-Length</c> with something other than digits (and surrounding blanks) was received.</summary>
    public bool Malformed { get; private set; }

    /// <summary>Kestrel connection middleware: watches what each connection receives.</summary>
    public static ConnectionDelegate Use(ConnectionDelegate next) => connection =>
    {
        var watch = new ContentLengthSyntaxWatch();
        connection.Features.Set(watch);
        var transport = connection.Transport;
        connection.Transport = new WatchedPipe(transport, new WatchingReader(transport.Input, watch));
        return next(connection);
    };

    /// <summary>Feeds received bytes, in order; a field line may be split across calls.</summary>
    internal void Observe(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length && !Malformed)
        {
            if (_state == State.SkipLine)
            {
                // Most bytes (bodies, other fields) are skipped a line at a time, vectorised.
                var newline = bytes[i..].IndexOf((byte)'\n');
                if (newline < 0)
                {
                    return;
                }

                i += newline + 1;
                _state = State.LineStart;
                continue;
            }

            var b = bytes[i++];
            switch (_state)
            {
                case State.LineStart or State.Name:
                    if (_state == State.LineStart)
                    {
                        _matched = 0;
                        _state = State.Name;
                    }

                    if (_matched == FieldName.Length)
                    {
                        _state = b == (byte)':' ? State.LeadingSpace : Skip(b);
                    }
                    else if ((b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b) == FieldName[_matched])
                    {
                        _matched++;
                    }
                    else
                    {
                        _state = Skip(b);
                    }

                    break;
                case State.LeadingSpace:
                    _state = b switch
                    {
                        (byte)' ' or (byte)'\t' => State.LeadingSpace,
                        >= (byte)'0' and <= (byte)'9' => State.Digits,
                        _ => EndOfValue(b), // an empty value is Kestrel's to refuse (a bare 400)
                    };
                    break;
                case State.Digits:
                    _state = b switch
                    {
                        >= (byte)'0' and <= (byte)'9' => State.Digits,
                        (byte)' ' or (byte)'\t' => State.TrailingSpace,
                        _ => EndOfValue(b),
                    };
                    break;
                case State.TrailingSpace:
                    _state = b is (byte)' ' or (byte)'\t' ? State.TrailingSpace : EndOfValue(b);
                    break;
            }
        }
    }

    private static State Skip(byte b) => b == (byte)'\n' ? State.LineStart : State.SkipLine;

    private State EndOfValue(byte b) => b is (byte)'\r' or (byte)'\n' ? Skip(b) : MarkMalformed(b);

    private State MarkMalformed(byte b)
    {
        Malformed = true;
        return Skip(b);
    }

    private sealed class WatchedPipe(IDuplexPipe inner, PipeReader input) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => inner.Output;
    }

    /// <summary>Shows the watch each received byte once: the bytes past what the previous read returned.</summary>
    private sealed class WatchingReader(PipeReader inner, ContentLengthSyntaxWatch watch) : PipeReader
    {
        private long _consumed;
        private long _observed;
        private ReadOnlySequence<byte> _last;

        // Every read of every connection passes here: the pooled builder keeps a suspended read from allocating.
        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
            Observe(await inner.ReadAsync(cancellationToken));

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            result = Observe(result);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            _consumed += _last.Slice(0, consumed).Length;
            _last = default;
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        private ReadResult Observe(ReadResult result)
        {
            _last = result.Buffer;
            var end = _consumed + result.Buffer.Length;
            if (end > _observed)
            {
                foreach (var segment in result.Buffer.Slice(_observed - _consumed))
                {
                    watch.Observe(segment.Span);
                }

                _observed = end;
            }

            return result;
        }
    }
}
