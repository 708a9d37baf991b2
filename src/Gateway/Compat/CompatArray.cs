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

    /// <summary>An editable view of a parsed array (its document must outlive this array).</summary>
    public CompatArray(JsonElement parsed)
    {
        _items = new CompatValue[parsed.GetArrayLength()];
        foreach (var item in parsed.EnumerateArray())
        {
            _items[_count++] = CompatValue.Of(item);
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
        var item = this[index];
        if (item.AsObject() is not { } editable)
        {
            return null;
        }

        if (!item.IsBuilt)
        {
            _items[index] = CompatValue.Of(editable);
        }

        return editable;
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (ref readonly var item in _items.AsSpan(0, _count))
        {
            item.WriteTo(writer);
        }

        writer.WriteEndArray();
    }
}
