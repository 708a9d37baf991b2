using System.Text.Json;

namespace Genlook.Gateway.Compat;

/// <summary>A JSON array the rules edit: the items of a parsed array, or ones a rule built (see <see cref="CompatObject"/>).</summary>
internal sealed class CompatArray
{
    private readonly List<CompatValue> _items;

    public CompatArray(params ReadOnlySpan<CompatValue> items) => _items = [.. items];

    /// <summary>An editable view of a parsed array (its document must outlive this array).</summary>
    public CompatArray(JsonElement parsed)
    {
        _items = new List<CompatValue>(parsed.GetArrayLength());
        foreach (var item in parsed.EnumerateArray())
        {
            _items.Add(CompatValue.Of(item));
        }
    }

    public int Count => _items.Count;

    public CompatValue this[int index] => _items[index];

    public void Add(CompatValue item) => _items.Add(item);

    /// <summary>The object at <paramref name="index"/>, editable in place; <c>null</c> when the item is not an object.</summary>
    public CompatObject? GetObject(int index)
    {
        var item = _items[index];
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
        foreach (var item in _items)
        {
            item.WriteTo(writer);
        }

        writer.WriteEndArray();
    }
}
