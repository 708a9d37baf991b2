using System.Text.Json;

namespace Genlook.Gateway.Compat;

/// <summary>A JSON array the rules edit: the items of a parsed array, or ones a rule built (see <see cref="CompatObject"/>).</summary>
internal sealed class CompatArray
{
    private CompatValue[] _items;
    private int _count;

    public CompatArray(params ReadOnlySpan<CompatValue> items)
    {
        _items = items.ToArray();
        _count = items.Length;
    }

    /// <summary>Opens the array at <paramref name="start"/> in <paramref name="body"/>.</summary>
    internal CompatArray(RawBody body, int start)
    {
        _items = new CompatValue[Math.Max(body.CountAt(start), 1)];
        var position = start + 1;
        while (body.NextItem(ref position, out var itemStart, out var itemEnd))
        {
            Add(CompatValue.Raw(body, itemStart, itemEnd - itemStart));
        }
    }

    public int Count => _count;

    public CompatValue this[int index] => _items.AsSpan(0, _count)[index];

    public void Add(CompatValue item)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(4, _items.Length * 2));
        }

        _items[_count++] = item;
    }

    /// <summary>The object at <paramref name="index"/>, editable in place; <c>null</c> when the item is not an object.</summary>
    public CompatObject? GetObject(int index)
    {
        if (this[index].AsObject() is not { } editable)
        {
            return null;
        }

        _items[index] = CompatValue.Of(editable);
        return editable;
    }

    public void WriteTo(CompatWriter writer)
    {
        writer.WriteStartArray();
        foreach (ref readonly var item in _items.AsSpan(0, _count))
        {
            item.WriteTo(writer);
        }

        writer.WriteEndArray();
    }
}
