using System.Text.Json;

namespace Genlook.Gateway.Compat;

/// <summary>
/// A JSON object the rules edit: the members of the parsed object, minus the ones removed or replaced, plus the ones
/// set, written in that order.
/// </summary>
/// <remarks>
/// Hand-written on purpose. <see cref="System.Text.Json.Nodes.JsonObject"/> copies the body and builds a dictionary
/// of nodes for every object it touches; measured on Genlook's Python example body, a rewrite through it cost 6x a
/// plain <see cref="JsonDocument"/> parse + write (the compat issue's budget is 2x). This overlay keeps the parsed
/// document, looks members up in place, and writes untouched members straight from it.
/// </remarks>
internal sealed class CompatObject
{
    // One array: the parsed members, named once (rules look members up dozens of times per body, and a lookup on the
    // element would transcode the name and scan the document each time), then the ones rules add. A removed member
    // is marked, not taken out, so the array is usually allocated once at its final size.
    private Member[] _members = [];
    private int _count;

    // Name -> index, only for objects too big to scan: a body may be 1 MB, and linear lookups (and the duplicate
    // check) on an object of 100k members would cost seconds of CPU.
    private const int ScanLimit = 16;
    private Dictionary<string, int>? _index;

    /// <summary>A new, empty object.</summary>
    public CompatObject()
    {
    }

    /// <summary>An editable view of a parsed object (its document must outlive this object).</summary>
    /// <param name="parsed">The object as parsed.</param>
    /// <param name="room">How many members the rules are expected to add (the array is then allocated once).</param>
    /// <exception cref="CompatDuplicateMemberException">The object has a member twice.</exception>
    public CompatObject(JsonElement parsed, int room = 1)
    {
        var count = parsed.GetPropertyCount();
        _members = new Member[count + room];
        _index = count > ScanLimit ? new Dictionary<string, int>(count, StringComparer.Ordinal) : null;
        foreach (var member in parsed.EnumerateObject())
        {
            var name = member.Name;
            if (IndexOf(name) >= 0)
            {
                // Refused in every object a rule reads: Genlook would read the last one, the rules the first.
                throw new CompatDuplicateMemberException(name);
            }

            Append(name, CompatValue.Of(member.Value));
        }
    }

    public bool TryGet(string name, out CompatValue value)
    {
        var index = IndexOf(name);
        value = index >= 0 ? _members[index].Value : default;
        return index >= 0;
    }

    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The member <paramref name="name"/> when present and not <c>null</c>.</summary>
    public bool TryGetNonNull(string name, out CompatValue value) => TryGet(name, out value) && !value.IsNull;

    public bool Remove(string name) => Remove(name, out _);

    public bool Remove(string name, out CompatValue value)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            value = default;
            return false;
        }

        value = _members[index].Value;
        _members[index] = _members[index] with { Removed = true };
        return true;
    }

    /// <summary>Sets <paramref name="name"/>: a member already there keeps its place, a new one goes last.</summary>
    public void Set(string name, CompatValue value)
    {
        var index = IndexOf(name);
        if (index >= 0)
        {
            _members[index] = new Member(name, value);
            return;
        }

        Append(name, value);
    }

    public void Set(string name, CompatObject value) => Set(name, CompatValue.Of(value));

    public void Set(string name, CompatArray value) => Set(name, CompatValue.Of(value));

    /// <summary>The object at <paramref name="name"/>, editable in place; <c>null</c> when absent or not an object.</summary>
    public CompatObject? GetObject(string name)
    {
        if (!TryGet(name, out var value) || value.AsObject() is not { } editable)
        {
            return null;
        }

        if (!value.IsBuilt)
        {
            // The parsed object wrapped to be edited replaces the parsed one, so the edits are what gets written.
            Set(name, editable);
        }

        return editable;
    }

    /// <summary>The array at <paramref name="name"/>, editable in place; <c>null</c> when absent or not an array.</summary>
    public CompatArray? GetArray(string name)
    {
        if (!TryGet(name, out var value) || value.AsArray() is not { } editable)
        {
            return null;
        }

        if (!value.IsBuilt)
        {
            Set(name, editable);
        }

        return editable;
    }

    /// <summary>The object at <paramref name="name"/>, created when absent or <c>null</c>; <c>null</c> when something else is there.</summary>
    public CompatObject? GetOrAddObject(string name)
    {
        if (TryGetNonNull(name, out _))
        {
            return GetObject(name);
        }

        var created = new CompatObject();
        Set(name, created);
        return created;
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (ref readonly var member in _members.AsSpan(0, _count))
        {
            if (!member.Removed)
            {
                writer.WritePropertyName(member.Name);
                member.Value.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }

    private void Append(string name, CompatValue value)
    {
        if (_count == _members.Length)
        {
            Array.Resize(ref _members, Math.Max(2, _members.Length * 2));
        }

        _index?[name] = _count;
        _members[_count++] = new Member(name, value);
    }

    private int IndexOf(string name)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(name, out var found) && !_members[found].Removed ? found : -1;
        }

        // By reference: a member is 40 bytes, and rules look up dozens of names per body.
        var members = _members.AsSpan(0, _count);
        for (var i = 0; i < members.Length; i++)
        {
            ref readonly var member = ref members[i];
            if (!member.Removed && member.Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private readonly record struct Member(string Name, CompatValue Value, bool Removed = false);
}

/// <summary>A parsed object the rules read has a member twice: the body is ambiguous and refused.</summary>
internal sealed class CompatDuplicateMemberException(string name) : Exception($"Duplicate member '{name}'.")
{
    public string Name => name;
}
