using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Genlook.Gateway.Compat;

/// <summary>
/// A JSON value while the rules rewrite a body: a part of the parsed body (a <see cref="JsonElement"/>, written back
/// exactly as parsed) or something a rule built (a <see cref="CompatObject"/>, a <see cref="CompatArray"/> or a string).
/// </summary>
internal readonly struct CompatValue
{
    private readonly JsonElement _element;
    private readonly object? _built;

    private CompatValue(JsonElement element, object? built)
    {
        _element = element;
        _built = built;
    }

    public static CompatValue Of(JsonElement element) => new(element, null);

    public static CompatValue Of(CompatObject value) => new(default, value);

    public static CompatValue Of(CompatArray value) => new(default, value);

    public static CompatValue Of(string value) => new(default, value);

    public JsonValueKind Kind => _built switch
    {
        CompatObject => JsonValueKind.Object,
        CompatArray => JsonValueKind.Array,
        string => JsonValueKind.String,
        _ => _element.ValueKind,
    };

    /// <summary>JSON <c>null</c>: the rules treat a member set to <c>null</c> like an absent one.</summary>
    public bool IsNull => Kind == JsonValueKind.Null;

    /// <summary>The member <paramref name="name"/> of this object, read without making it editable; <c>default</c> (kind <c>Undefined</c>) when absent.</summary>
    public CompatValue Member(string name) => _built switch
    {
        CompatObject built => built.TryGet(name, out var value) ? value : default,
        null when _element.ValueKind == JsonValueKind.Object && _element.TryGetProperty(name, out var member) => Of(member),
        _ => default,
    };

    public bool TryGetString(out string? value)
    {
        value = _built as string ?? (_built is null && _element.ValueKind == JsonValueKind.String ? _element.GetString() : null);
        return value is not null;
    }

    public bool TryGetInt32(out int value)
    {
        value = 0;
        return _built is null && _element.ValueKind == JsonValueKind.Number && _element.TryGetInt32(out value);
    }

    /// <summary>This value as an editable object (the parsed one wrapped, or the built one); <c>null</c> when it is not an object.</summary>
    internal CompatObject? AsObject() => _built switch
    {
        CompatObject built => built,
        null when _element.ValueKind == JsonValueKind.Object => new CompatObject(_element),
        _ => null,
    };

    /// <summary>This value as an editable array; <c>null</c> when it is not an array.</summary>
    internal CompatArray? AsArray() => _built switch
    {
        CompatArray built => built,
        null when _element.ValueKind == JsonValueKind.Array => new CompatArray(_element),
        _ => null,
    };

    /// <summary>Whether this value was wrapped to be edited (then it must replace the parsed one in its parent).</summary>
    internal bool IsBuilt => _built is not null;

    public void WriteTo(Utf8JsonWriter writer)
    {
        switch (_built)
        {
            case CompatObject built:
                built.WriteTo(writer);
                break;
            case CompatArray built:
                built.WriteTo(writer);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            default:
                // Untouched parts of the body are copied as sent: the parse has validated them already.
                writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(_element), skipInputValidation: true);
                break;
        }
    }

    /// <summary>
    /// JSON equality (member order aside). Two parsed values compare in place; a built value is written and parsed
    /// first. Only conflicts (a legacy and a current field both present) get here, so that cost is rare.
    /// </summary>
    public static bool DeepEquals(CompatValue left, CompatValue right)
    {
        if (left._built is null && right._built is null)
        {
            return JsonElement.DeepEquals(left._element, right._element);
        }

        using var leftDocument = JsonDocument.Parse(left.ToJsonBytes());
        using var rightDocument = JsonDocument.Parse(right.ToJsonBytes());
        return JsonElement.DeepEquals(leftDocument.RootElement, rightDocument.RootElement);
    }

    private byte[] ToJsonBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}
