using System.Buffers.Text;
using System.Text.Json;

namespace Genlook.Gateway.Compat;

/// <summary>
/// A JSON value while the rules rewrite a body: a slice of the body's own bytes (validated when the body was opened,
/// written back exactly as sent) or something a rule built (a <see cref="CompatObject"/>, a <see cref="CompatArray"/>
/// or a string). <c>default</c> is "no value" (kind <see cref="JsonValueKind.Undefined"/>).
/// </summary>
internal readonly struct CompatValue
{
    // The body (then _start and _length delimit the value's bytes in it) or the built value.
    private readonly object? _value;
    private readonly int _start;
    private readonly int _length;

    private CompatValue(object? value, int start, int length)
    {
        _value = value;
        _start = start;
        _length = length;
    }

    /// <summary>The value at <paramref name="start"/> in <paramref name="body"/>.</summary>
    internal static CompatValue Raw(RawBody body, int start, int length) => new(body, start, length);

    public static CompatValue Of(CompatObject value) => new(value, 0, 0);

    public static CompatValue Of(CompatArray value) => new(value, 0, 0);

    public static CompatValue Of(string value) => new(value, 0, 0);

    public JsonValueKind Kind => _value switch
    {
        RawBody body => RawBody.KindOf(body[_start]),
        CompatObject => JsonValueKind.Object,
        CompatArray => JsonValueKind.Array,
        string => JsonValueKind.String,
        _ => JsonValueKind.Undefined,
    };

    /// <summary>
    /// JSON <c>null</c>: the rules treat a member set to <c>null</c> like an absent one (a legacy one is also dropped:
    /// see <see cref="ICompatRule.LegacyMembers"/>).
    /// </summary>
    public bool IsNull => _value is RawBody body && body[_start] == (byte)'n';

    /// <summary>Whether there is a value at all (<c>default</c> has none).</summary>
    public bool HasValue => _value is not null;

    /// <summary>The member <paramref name="name"/> of this object, read without making it editable; <c>default</c> when absent.</summary>
    public CompatValue Member(string name) => _value switch
    {
        RawBody body when body[_start] == (byte)'{' && body.TryFindMember(_start, name, out var start, out var length) => Raw(body, start, length),
        CompatObject built when built.TryGet(name, out var value) => value,
        _ => default,
    };

    /// <summary>Whether this is a value of <paramref name="body"/> as sent, between <paramref name="start"/> and <paramref name="end"/>.</summary>
    internal bool TryGetRaw(RawBody body, out int start, out int end)
    {
        start = _start;
        end = _start + _length;
        return ReferenceEquals(_value, body);
    }

    public bool TryGetString(out string? value)
    {
        value = _value switch
        {
            string text => text,
            RawBody body when body[_start] == (byte)'"' => body.GetString(_start, _length),
            _ => null,
        };
        return value is not null;
    }

    /// <summary>A number that is an <see cref="int"/> as written (no fraction, no exponent), as <see cref="JsonElement.TryGetInt32"/> reads it.</summary>
    public bool TryGetInt32(out int value)
    {
        value = 0;
        return _value is RawBody body && RawBody.KindOf(body[_start]) == JsonValueKind.Number &&
               Utf8Parser.TryParse(body.Slice(_start, _length), out value, out var consumed) && consumed == _length;
    }

    /// <summary>This value as an editable object (the parsed one opened, or the built one); <c>null</c> when it is not an object.</summary>
    internal CompatObject? AsObject() => _value switch
    {
        RawBody body when body[_start] == (byte)'{' => new CompatObject(body, _start),
        CompatObject built => built,
        _ => null,
    };

    /// <summary>This value as an editable array; <c>null</c> when it is not an array.</summary>
    internal CompatArray? AsArray() => _value switch
    {
        RawBody body when body[_start] == (byte)'[' => new CompatArray(body, _start),
        CompatArray built => built,
        _ => null,
    };

    public void WriteTo(CompatWriter writer)
    {
        switch (_value)
        {
            case RawBody body:
                // Untouched parts of the body are copied as sent: opening the body validated them already.
                writer.WriteRawValue(body.Slice(_start, _length));
                break;
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
                throw new InvalidOperationException("A member without a value cannot be written.");
        }
    }

    /// <summary>
    /// JSON equality (member order aside). Both values are written and parsed first; only conflicts (a legacy and a
    /// current field both present) get here, so that cost is rare.
    /// </summary>
    public static bool DeepEquals(CompatValue left, CompatValue right)
    {
        using var leftDocument = JsonDocument.Parse(left.ToJsonBytes());
        using var rightDocument = JsonDocument.Parse(right.ToJsonBytes());
        return JsonElement.DeepEquals(leftDocument.RootElement, rightDocument.RootElement);
    }

    private byte[] ToJsonBytes()
    {
        if (_value is RawBody body)
        {
            return body.Slice(_start, _length).ToArray();
        }

        var writer = new CompatWriter(256);
        WriteTo(writer);
        return writer.Written.ToArray();
    }
}
