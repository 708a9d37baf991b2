using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Genlook.Gateway.Compat;

/// <summary>
/// A legacy body read in place, in the bytes it came in (a copy in a reused buffer, given back on
/// <see cref="Dispose"/>). It is validated once, with <see cref="Utf8JsonReader"/>, which also notes where each object
/// and array ends and how many members or items it has; after that every value is known to be valid JSON, and the rules
/// open the few objects they edit by finding where each member starts and ends. The members of every opened or built
/// object live in one table per body.
/// </summary>
/// <remarks>
/// Hand-written on purpose, and only over JSON already validated. Measured on Genlook's Python example body, an
/// overlay on a <see cref="JsonDocument"/> cost 3.5x a plain parse + write (the compat issue's budget is 2x): its
/// table of every token, a string per member name, and per-token writing of each value the rules opened. Re-reading
/// an opened object with a new <see cref="Utf8JsonReader"/> re-validates it and was slower still. Here a member's
/// name is compared where it is written, a nested object or array is skipped with one lookup, and untouched values
/// are copied through as sent.
/// </remarks>
internal sealed class RawBody : IDisposable
{
    /// <summary>How every request body is read, canonical (the fast path's scan) or legacy.</summary>
    public static readonly JsonReaderOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    private static readonly SearchValues<byte> StringEnd = SearchValues.Create("\"\\"u8);
    private static readonly SearchValues<byte> LiteralEnd = SearchValues.Create(",}] \t\r\n"u8);
    private static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t\r\n"u8);

    private byte[] _json;
    private readonly int _length;

    // Every object and array, in the order they start: where it starts, just after where it ends, and how many
    // members or items it has.
    private Container[] _containers;
    private int _containerCount;

    // The container found last (see IndexOfContainer).
    private int _lastContainer = -1;

    // The buffers of the last body disposed on this thread, for the next one: a rewrite is synchronous, so a thread
    // has one body open at a time (a second one rents or allocates its own), and thread-static slots cost less than
    // ArrayPool's rent and return, which were a fifth of opening a small body. Bigger buffers go back to the pool.
    private const int SpareLimit = 16 * 1024;
    [ThreadStatic] private static byte[]? t_spareJson;
    [ThreadStatic] private static Container[]? t_spareContainers;
    [ThreadStatic] private static CompatObject.Member[]? t_spareMembers;

    // The members of every object opened or built over this body, each object a slice: one array for all of them
    // instead of one each (arrays were a third of a legacy rewrite's allocations). A full table is replaced by a
    // larger one; objects keep the one they have.
    private CompatObject.Member[] _members;
    private int _membersTaken;

    private RawBody(ReadOnlySpan<byte> json)
    {
        if (t_spareJson is { } spare && spare.Length >= json.Length)
        {
            _json = spare;
            t_spareJson = null;
        }
        else
        {
            _json = ArrayPool<byte>.Shared.Rent(Math.Max(json.Length, 1024));
        }

        json.CopyTo(_json);
        _length = json.Length;
        _containers = t_spareContainers ?? ArrayPool<Container>.Shared.Rent(16);
        t_spareContainers = null;
        _members = t_spareMembers ?? new CompatObject.Member[64];
        t_spareMembers = null;
    }

    /// <summary>A slice of <paramref name="count"/> members for an object over this body: the array and where it starts.</summary>
    internal (CompatObject.Member[] Members, int Offset) TakeMembers(int count)
    {
        if (_members.Length - _membersTaken < count)
        {
            _members = new CompatObject.Member[Math.Max(_members.Length * 2, count)];
            _membersTaken = 0;
        }

        var offset = _membersTaken;
        _membersTaken += count;
        return (_members, offset);
    }

    /// <summary>Copies <paramref name="json"/> and validates that it is one JSON object and nothing else.</summary>
    /// <exception cref="JsonException">It is not (with the line and byte where it goes wrong), or it is nested too deep.</exception>
    public static RawBody Parse(ReadOnlySpan<byte> json)
    {
        var body = new RawBody(json);
        try
        {
            body.Validate();
            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The top-level object, opened for the rules (<paramref name="room"/>: members they are expected to add).</summary>
    /// <exception cref="CompatDuplicateMemberException">It has a member twice.</exception>
    public CompatObject Root(int room = 1) => new(this, _containers[0].Start, room);

    /// <summary>Whether the body has a <c>null</c> anywhere: most have none, and then no rule needs to look for one.</summary>
    public bool HasNull { get; private set; }

    public byte this[int index] => _json[index];

    public ReadOnlySpan<byte> Slice(int start, int length) => _json.AsSpan(start, length);

    private void Validate()
    {
        var reader = new Utf8JsonReader(_json.AsSpan(0, _length), Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The body must be a JSON object.");
        }

        // The reader refuses more than MaxDepth levels, so this stack of open containers cannot overflow.
        Span<int> open = stackalloc int[Options.MaxDepth + 1];
        var depth = 0;
        do
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    if (_containerCount == _containers.Length)
                    {
                        var larger = ArrayPool<Container>.Shared.Rent(_containers.Length * 2);
                        _containers.AsSpan(0, _containerCount).CopyTo(larger);
                        ArrayPool<Container>.Shared.Return(_containers);
                        _containers = larger;
                    }

                    CountValueIn(open, depth);
                    open[depth++] = _containerCount;
                    _containers[_containerCount++] = new Container((int)reader.TokenStartIndex, 0, 0, 0);
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    ref var closed = ref _containers[open[--depth]];
                    closed.End = (int)reader.BytesConsumed;
                    closed.After = _containerCount;
                    break;
                case JsonTokenType.Null:
                    HasNull = true;
                    CountValueIn(open, depth);
                    break;
                case JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                    CountValueIn(open, depth);
                    break;
            }
        }
        while (depth > 0 && reader.Read());

        // Anything after the object.
        reader.Read();
    }

    // A value inside a container is one of its members (in an object) or items (in an array).
    private void CountValueIn(Span<int> open, int depth)
    {
        if (depth > 0)
        {
            _containers[open[depth - 1]].Count++;
        }
    }

    /// <summary>How many members (object) or items (array) the container at <paramref name="start"/> has.</summary>
    public int CountAt(int start) => _containers[IndexOfContainer(start)].Count;

    /// <summary>The kind of the value whose first byte is <paramref name="first"/>.</summary>
    public static JsonValueKind KindOf(byte first) => first switch
    {
        (byte)'{' => JsonValueKind.Object,
        (byte)'[' => JsonValueKind.Array,
        (byte)'"' => JsonValueKind.String,
        (byte)'t' => JsonValueKind.True,
        (byte)'f' => JsonValueKind.False,
        (byte)'n' => JsonValueKind.Null,
        _ => JsonValueKind.Number,
    };

    /// <summary>
    /// The next member of an object, from <paramref name="position"/> (just after its <c>{</c>, or the previous
    /// member's value): where its name (between the quotes) and its value are, and whether the name is plain (ASCII
    /// without escapes: its bytes are its characters). <c>false</c> at the object's end.
    /// </summary>
    public bool NextMember(ref int position, out int nameStart, out int nameEnd, out bool plainName, out int valueStart, out int valueEnd)
    {
        var json = _json.AsSpan(0, _length);
        var i = NextToken(json, position);
        if (json[i] == (byte)'}')
        {
            nameStart = nameEnd = valueStart = valueEnd = position = i + 1;
            plainName = true;
            return false;
        }

        nameStart = i + 1;
        nameEnd = NameEndAt(json, nameStart, out plainName);
        valueStart = SkipWhitespace(json, SkipWhitespace(json, nameEnd + 1) + 1);
        valueEnd = position = ValueEndAt(json, valueStart);
        return true;
    }

    /// <summary>
    /// Whether the value at <paramref name="valueStart"/> is the one of the member whose name's closing quote is at
    /// <paramref name="nameEnd"/>: only a colon and whitespace lie between them.
    /// </summary>
    public bool IsMemberValue(int nameEnd, int valueStart)
    {
        // Compact JSON, the usual case: the value starts just after the colon, and no other value can start there.
        if (valueStart == nameEnd + 2)
        {
            return true;
        }

        var json = _json.AsSpan(0, _length);
        var colon = SkipWhitespace(json, nameEnd + 1);
        return colon < valueStart && json[colon] == (byte)':' && SkipWhitespace(json, colon + 1) == valueStart;
    }

    /// <summary>The next item of an array, as <see cref="NextMember"/> for objects.</summary>
    public bool NextItem(ref int position, out int start, out int end)
    {
        var json = _json.AsSpan(0, _length);
        var i = NextToken(json, position);
        if (json[i] == (byte)']')
        {
            start = end = position = i + 1;
            return false;
        }

        start = i;
        end = position = ValueEndAt(json, i);
        return true;
    }

    /// <summary>The member <paramref name="name"/> of the object at <paramref name="objectStart"/>, found without opening it.</summary>
    public bool TryFindMember(int objectStart, string name, out int start, out int length)
    {
        var position = objectStart + 1;
        while (NextMember(ref position, out var nameStart, out var nameEnd, out var plainName, out var valueStart, out var valueEnd))
        {
            if (plainName ? AsciiNameEquals(Slice(nameStart, nameEnd - nameStart), name) : ReadName(nameStart, nameEnd) == name)
            {
                start = valueStart;
                length = valueEnd - valueStart;
                return true;
            }
        }

        start = length = 0;
        return false;
    }

    /// <summary>The name written between <paramref name="nameStart"/> and <paramref name="nameEnd"/> (the quotes excluded), unescaped.</summary>
    /// <exception cref="InvalidOperationException">The name is not valid UTF-8.</exception>
    public string ReadName(int nameStart, int nameEnd) => GetString(nameStart - 1, nameEnd - nameStart + 2)!;

    /// <summary>The string value at <paramref name="start"/> (quotes included), unescaped.</summary>
    /// <exception cref="InvalidOperationException">The string is not valid UTF-8.</exception>
    public string? GetString(int start, int length)
    {
        // Without an escape, a string's content is its own UTF-8: decoded directly, without a reader.
        var content = _json.AsSpan(start + 1, length - 2);
        if (!content.Contains((byte)'\\'))
        {
            try
            {
                return StrictUtf8.GetString(content);
            }
            catch (DecoderFallbackException ex)
            {
                throw new InvalidOperationException("The string is not valid UTF-8.", ex);
            }
        }

        var reader = new Utf8JsonReader(_json.AsSpan(start, length), Options);
        reader.Read();
        return reader.GetString();
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Whether the name <paramref name="utf8"/>, as written (ASCII, no escapes), is <paramref name="name"/>.</summary>
    public static bool AsciiNameEquals(ReadOnlySpan<byte> utf8, string name)
    {
        // Names are a few bytes: a plain loop beats Ascii.Equals' vectorised set-up (a rule looks up dozens per body).
        if (utf8.Length != name.Length)
        {
            return false;
        }

        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] != name[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Gives the buffers back; values still pointing into the body then fail instead of reading reused memory.</summary>
    public void Dispose()
    {
        if (_containers.Length == 0)
        {
            return;
        }

        GiveBack(_json, ref t_spareJson);
        GiveBack(_containers, ref t_spareContainers);

        // Cleared, so that the spare table holds on to nothing of this body.
        if (_members.Length * Unsafe.SizeOf<CompatObject.Member>() <= SpareLimit)
        {
            _members.AsSpan(0, _membersTaken).Clear();
            t_spareMembers = _members;
        }

        _json = [];
        _containers = [];
        _members = [];
    }

    // A small buffer (rented) becomes this thread's spare; a big one goes back to the pool.
    private static void GiveBack<T>(T[] buffer, ref T[]? spare)
    {
        if (buffer.Length * Unsafe.SizeOf<T>() <= SpareLimit)
        {
            spare = buffer;
        }
        else
        {
            ArrayPool<T>.Shared.Return(buffer);
        }
    }

    // After whitespace and at most one comma: the next name, value, or closing bracket.
    private static int NextToken(ReadOnlySpan<byte> json, int position)
    {
        var i = SkipWhitespace(json, position);
        return json[i] == (byte)',' ? SkipWhitespace(json, i + 1) : i;
    }

    private static int SkipWhitespace(ReadOnlySpan<byte> json, int position)
    {
        // Most bodies are compact: check the next byte before searching.
        if (json[position] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return position;
        }

        return position + json[position..].IndexOfAnyExcept(Whitespace);
    }

    // The closing quote of the name starting at start (just after its opening quote). Names are short: read byte by byte.
    private static int NameEndAt(ReadOnlySpan<byte> json, int start, out bool plain)
    {
        plain = true;
        for (var i = start; ; i++)
        {
            var current = json[i];
            if (current == (byte)'"')
            {
                return i;
            }

            if (current == (byte)'\\')
            {
                plain = false;
                i++;
            }
            else if (current >= 0x80)
            {
                plain = false;
            }
        }
    }

    // Just after the closing quote of the string opening at start.
    private static int StringEndAt(ReadOnlySpan<byte> json, int start)
    {
        var i = start + 1;
        while (true)
        {
            i += json[i..].IndexOfAny(StringEnd);
            if (json[i] == (byte)'"')
            {
                return i + 1;
            }

            // An escape: the escaped byte (a quote, a backslash, or the u of \uXXXX) is not the end.
            i += 2;
        }
    }

    // Just after the value starting at start.
    private int ValueEndAt(ReadOnlySpan<byte> json, int start) => json[start] switch
    {
        (byte)'"' => StringEndAt(json, start),
        (byte)'{' or (byte)'[' => ContainerEndAt(start),

        // A number, true, false or null ends where a separator, a bracket or whitespace starts.
        _ => start + json[start..].IndexOfAny(LiteralEnd),
    };

    private int ContainerEndAt(int start) => _containers[IndexOfContainer(start)].End;

    private int IndexOfContainer(int start)
    {
        // Members and items are read in order, so the container asked for is usually the one after the last found
        // (the first one inside it) or after the last one's own (its next sibling): tried before a search.
        var containers = _containers.AsSpan(0, _containerCount);
        var guess = _lastContainer + 1;
        if (guess >= containers.Length || containers[guess].Start != start)
        {
            guess = _lastContainer >= 0 ? containers[_lastContainer].After : -1;
            if (guess < 0 || guess >= containers.Length || containers[guess].Start != start)
            {
                guess = containers.BinarySearch(new StartingAt(start));
            }
        }

        _lastContainer = guess >= 0 ? guess : throw new InvalidOperationException($"No object or array starts at byte {start}.");
        return guess;
    }

    // After: the index of the first container that starts after this one ends.
    private record struct Container(int Start, int End, int Count, int After);

    private readonly struct StartingAt(int start) : IComparable<Container>
    {
        public int CompareTo(Container other) => start.CompareTo(other.Start);
    }
}
