using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Genlook.Gateway.Compat;

/// <summary>
/// A JSON object the rules edit: the members of the parsed object, minus the ones removed or replaced, plus the ones
/// set, written in that order.
/// </summary>
/// <remarks>
/// Hand-written on purpose. <see cref="System.Text.Json.Nodes.JsonObject"/> copies the body and builds a dictionary
/// of nodes for every object it touches (measured on Genlook's Python example body: 6x a plain
/// <see cref="JsonDocument"/> parse + write, where the compat issue's budget is 2x), and an overlay on a
/// <see cref="JsonDocument"/> still paid for the document's token table and a string per member name (3.5x). This one
/// reads the body's bytes in place (<see cref="RawBody"/>): a parsed member is where its name and value are in the
/// body, names are compared as bytes, and untouched members are copied through as sent.
/// </remarks>
internal sealed class CompatObject
{
    // The body the parsed members are in, and whose member table this object's members use (null for an object a
    // rule built with `new`; one built by GetOrAddObject takes its parent's, for the table).
    private readonly RawBody? _body;

    // The parsed members, then the ones rules add, in _members[_offset.._offset + _capacity): a slice of the body's
    // member table (see RawBody.TakeMembers) or an array of its own. A removed member loses its value but keeps its
    // slot, so an object usually gets its slice once, at its final size.
    private Member[] _members;
    private int _offset;
    private int _capacity;
    private int _count;

    // Name -> index, only for objects too big to scan: a body may be 1 MB, and linear lookups (and the duplicate
    // check) on an object of 100k members would cost seconds of CPU.
    private const int ScanLimit = 16;
    private Dictionary<string, int>? _index;

    // One bit per name length present (length mod 64; removed members keep theirs): most lookups are for a legacy
    // name the object does not have, and most are refused on this alone, as is the duplicate check when no two names
    // are the same length.
    private ulong _nameLengths;

    /// <summary>A new, empty object.</summary>
    public CompatObject()
        : this(null)
    {
    }

    // An empty object whose members go in the body's member table (an object of its own when body is null).
    private CompatObject(RawBody? body)
    {
        _body = body;
        _capacity = 2;
        (_members, _offset) = body is null ? (new Member[_capacity], 0) : body.TakeMembers(_capacity);
    }

    /// <summary>Opens the object at <paramref name="start"/> in <paramref name="body"/>.</summary>
    /// <param name="body">The body.</param>
    /// <param name="start">Where the object starts (its <c>{</c>).</param>
    /// <param name="room">How many members the rules are expected to add (the slice is then taken once).</param>
    /// <exception cref="CompatDuplicateMemberException">The object has a member twice.</exception>
    internal CompatObject(RawBody body, int start, int room = 1)
    {
        _body = body;

        // The body counted the members when it was validated: one slice of the final size, filled in place.
        _capacity = body.CountAt(start) + room;
        (_members, _offset) = body.TakeMembers(_capacity);
        var position = start + 1;
        var sameLength = 0UL;
        while (body.NextMember(ref position, out var nameStart, out var nameEnd, out var plainName, out var valueStart, out var valueEnd))
        {
            // Names are compared as they are written; the rare one that is escaped or not ASCII is read into a string.
            var name = plainName ? null : body.ReadName(nameStart, nameEnd);
            var nameLength = name?.Length ?? nameEnd - nameStart;
            _members[_offset + _count++] = new Member(name, nameStart, nameLength, CompatValue.Raw(body, valueStart, valueEnd - valueStart));
            var bit = LengthBit(nameLength);
            sameLength |= _nameLengths & bit;
            _nameLengths |= bit;
        }

        BuildIndexOrCheckDuplicates(sameLength != 0);
    }

    private static ulong LengthBit(int length) => 1UL << (length & 63);

    private void BuildIndexOrCheckDuplicates(bool sameLength)
    {
        if (_count > ScanLimit)
        {
            _index = new Dictionary<string, int>(_count, StringComparer.Ordinal);
            for (var i = 0; i < _count; i++)
            {
                var name = NameOf(i);
                if (!_index.TryAdd(name, i))
                {
                    throw new CompatDuplicateMemberException(name);
                }
            }

            return;
        }

        // Refused in every object a rule reads: Genlook would read the last one, the rules the first.
        if (!sameLength)
        {
            return;
        }

        for (var i = 1; i < _count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (SameName(i, j))
                {
                    throw new CompatDuplicateMemberException(NameOf(i));
                }
            }
        }
    }

    public bool TryGet(string name, out CompatValue value)
    {
        var index = IndexOf(name);
        value = index >= 0 ? At(index).Value : default;
        return index >= 0;
    }

    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The member <paramref name="name"/> when present and not <c>null</c>.</summary>
    public bool TryGetNonNull(string name, out CompatValue value) => TryGet(name, out value) && !value.IsNull;

    public bool Remove(string name) => Remove(name, out _);

    /// <summary>Whether a member may be set to <c>null</c>: false when the body it reads has none.</summary>
    public bool MayHoldNull => _body?.HasNull ?? true;

    /// <summary>Removes <paramref name="name"/> when it is set to <c>null</c>.</summary>
    public bool RemoveNull(string name)
    {
        var index = IndexOf(name);
        if (index < 0 || !At(index).Value.IsNull)
        {
            return false;
        }

        At(index).Value = default;
        return true;
    }

    public bool Remove(string name, out CompatValue value)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            value = default;
            return false;
        }

        value = At(index).Value;
        At(index).Value = default;
        return true;
    }

    /// <summary>Sets <paramref name="name"/>: a member already there keeps its place, a new one goes last.</summary>
    public void Set(string name, CompatValue value)
    {
        if (!value.HasValue)
        {
            throw new ArgumentException("A member needs a value.", nameof(value));
        }

        SetAt(IndexOf(name), name, value);
    }

    public void Set(string name, CompatObject value) => Set(name, CompatValue.Of(value));

    public void Set(string name, CompatArray value) => Set(name, CompatValue.Of(value));

    /// <summary>The object at <paramref name="name"/>, editable in place; <c>null</c> when absent or not an object.</summary>
    public CompatObject? GetObject(string name)
    {
        var index = IndexOf(name);
        return index >= 0 ? OpenObjectAt(index) : null;
    }

    /// <summary>The array at <paramref name="name"/>, editable in place; <c>null</c> when absent or not an array.</summary>
    public CompatArray? GetArray(string name)
    {
        var index = IndexOf(name);
        if (index < 0 || At(index).Value.AsArray() is not { } editable)
        {
            return null;
        }

        At(index).Value = CompatValue.Of(editable);
        return editable;
    }

    /// <summary>The object at <paramref name="name"/>, created when absent or <c>null</c>; <c>null</c> when something else is there.</summary>
    public CompatObject? GetOrAddObject(string name)
    {
        // One lookup: rules call this for every member they move under another object.
        var index = IndexOf(name);
        if (index >= 0 && !At(index).Value.IsNull)
        {
            return OpenObjectAt(index);
        }

        var created = new CompatObject(_body);
        SetAt(index, name, CompatValue.Of(created));
        return created;
    }

    // The parsed object opened to be edited replaces the parsed one, so the edits are what gets written.
    private CompatObject? OpenObjectAt(int index)
    {
        if (At(index).Value.AsObject() is not { } editable)
        {
            return null;
        }

        At(index).Value = CompatValue.Of(editable);
        return editable;
    }

    // Replaces the member at index, or adds one last when index is -1.
    private void SetAt(int index, string name, CompatValue value)
    {
        if (index >= 0)
        {
            At(index).Value = value;
            return;
        }

        if (_count == _capacity)
        {
            Grow();
        }

        _index?[name] = _count;
        _nameLengths |= LengthBit(name.Length);
        _members[_offset + _count++] = new Member(name, 0, name.Length, value);
    }

    private void Grow()
    {
        var capacity = _capacity * 2;
        var (members, offset) = _body is null ? (new Member[capacity], 0) : _body.TakeMembers(capacity);
        Members.CopyTo(members.AsSpan(offset, capacity));
        (_members, _offset, _capacity) = (members, offset, capacity);
    }

    private Span<Member> Members => _members.AsSpan(_offset, _count);

    private ref Member At(int index) => ref _members[_offset + index];

    public void WriteTo(CompatWriter writer)
    {
        writer.WriteStartObject();
        foreach (ref readonly var member in Members)
        {
            if (!member.Value.HasValue)
            {
                continue;
            }

            // A parsed member still holding its own value (its value starts right after its name and colon).
            if (member.Name is null && member.Value.TryGetRaw(_body!, out var start, out var end) &&
                _body!.IsMemberValue(member.NameStart + member.NameLength, start))
            {
                // A member as sent, name and value, copied in one piece from its name's opening quote.
                writer.WriteRawMember(_body!.Slice(member.NameStart - 1, end - member.NameStart + 1));
                continue;
            }

            if (member.Name is { } name)
            {
                writer.WritePropertyName(name);
            }
            else
            {
                writer.WritePropertyName(_body!.Slice(member.NameStart - 1, member.NameLength + 2));
            }

            member.Value.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    // Inlined: most lookups end at the length bit, without a call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int IndexOf(string name) => (_nameLengths & LengthBit(name.Length)) == 0 ? -1 : Find(name);

    private int Find(string name)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(name, out var found) && At(found).Value.HasValue ? found : -1;
        }

        // By reference: rules look up dozens of names per body.
        var members = Members;
        for (var i = 0; i < members.Length; i++)
        {
            ref readonly var member = ref members[i];
            if (member.NameLength == name.Length && member.Value.HasValue &&
                (member.Name is { } text ? text == name : RawBody.AsciiNameEquals(_body!.Slice(member.NameStart, member.NameLength), name)))
            {
                return i;
            }
        }

        return -1;
    }

    private string NameOf(int index)
    {
        ref readonly var member = ref At(index);
        return member.Name ?? Encoding.ASCII.GetString(_body!.Slice(member.NameStart, member.NameLength));
    }

    private bool SameName(int left, int right)
    {
        ref readonly var a = ref At(left);
        ref readonly var b = ref At(right);
        return a.NameLength == b.NameLength && (a.Name, b.Name) switch
        {
            (null, null) => _body!.Slice(a.NameStart, a.NameLength).SequenceEqual(_body.Slice(b.NameStart, b.NameLength)),
            (null, { } name) => RawBody.AsciiNameEquals(_body!.Slice(a.NameStart, a.NameLength), name),
            ({ } name, null) => RawBody.AsciiNameEquals(_body!.Slice(b.NameStart, b.NameLength), name),
            ({ } x, { } y) => x == y,
        };
    }

    // A member is named by a string (added by a rule, or parsed with escapes or non-ASCII) or by where its name is in
    // the body (ASCII: as many bytes as characters). NameLength is the name's length in characters either way, so that
    // most lookups are refused on it. A removed member has no value.
    internal struct Member(string? name, int nameStart, int nameLength, CompatValue value)
    {
        public readonly string? Name = name;
        public readonly int NameStart = nameStart;
        public readonly int NameLength = nameLength;
        public CompatValue Value = value;
    }
}

/// <summary>A parsed object the rules read has a member twice: the body is ambiguous and refused.</summary>
internal sealed class CompatDuplicateMemberException(string name) : Exception($"Duplicate member '{name}'.")
{
    public string Name => name;
}
