using System.Text.Encodings.Web;
using System.Text.Json;

namespace Genlook.Gateway.Compat;

/// <summary>
/// Writes a rewritten body: the body's own bytes wherever they are unchanged, plus the brackets, names and strings of
/// what the rules built. Everything it copies from the body was validated when the body was opened (<see cref="RawBody"/>).
/// </summary>
/// <remarks>
/// Hand-written on purpose, in place of <see cref="Utf8JsonWriter"/>, which checks and escapes every member name again
/// and keeps per-token state that a copy of validated JSON does not need. Measured on Genlook's Python example body,
/// that writer was 15 % of a legacy rewrite, whose budget is 2x a plain <see cref="JsonDocument"/> parse + write.
/// A string that needs escaping (rare: names are the rules' own, values are ids) goes through
/// <see cref="JsonEncodedText"/>, so escaping stays the library's.
/// </remarks>
internal sealed class CompatWriter
{
    private byte[] _buffer;
    private int _length;

    // A value was written at this level: the next one needs a comma first.
    private bool _afterValue;

    public CompatWriter(int capacity = 1024) => _buffer = new byte[capacity];

    /// <summary>The JSON written since the last <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public int Capacity => _buffer.Length;

    public void Reset()
    {
        _length = 0;
        _afterValue = false;
    }

    public void WriteStartObject() => Open((byte)'{');

    public void WriteEndObject() => Close((byte)'}');

    public void WriteStartArray() => Open((byte)'[');

    public void WriteEndArray() => Close((byte)']');

    /// <summary>A member's name and its colon; its value comes next.</summary>
    public void WritePropertyName(string name)
    {
        Separate();
        Quoted(name);
        Byte((byte)':');
        _afterValue = false;
    }

    /// <summary>A member's name as the body wrote it, quotes included; its value comes next.</summary>
    public void WritePropertyName(ReadOnlySpan<byte> quotedName)
    {
        Separate();
        Bytes(quotedName);
        Byte((byte)':');
        _afterValue = false;
    }

    /// <summary>A value from the body, as sent.</summary>
    public void WriteRawValue(ReadOnlySpan<byte> json)
    {
        Separate();
        Bytes(json);
        _afterValue = true;
    }

    /// <summary>A whole member from the body, <c>"name": value</c> as sent, in one copy.</summary>
    public void WriteRawMember(ReadOnlySpan<byte> json) => WriteRawValue(json);

    public void WriteStringValue(string value)
    {
        Separate();
        Quoted(value);
        _afterValue = true;
    }

    private void Open(byte bracket)
    {
        Separate();
        Byte(bracket);
        _afterValue = false;
    }

    private void Close(byte bracket)
    {
        Byte(bracket);
        _afterValue = true;
    }

    private void Separate()
    {
        if (_afterValue)
        {
            Byte((byte)',');
        }
    }

    private void Quoted(string text)
    {
        // One pass that checks and copies: names and ids are short, and plain printable ASCII is written as is.
        Reserve(text.Length + 2);
        var span = _buffer.AsSpan(_length, text.Length + 2);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is < ' ' or > '~' or '"' or '\\')
            {
                // Something to escape: the library does it.
                Byte((byte)'"');
                Bytes(JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes);
                Byte((byte)'"');
                return;
            }

            span[i + 1] = (byte)c;
        }

        span[0] = (byte)'"';
        span[^1] = (byte)'"';
        _length += span.Length;
    }

    private void Byte(byte value)
    {
        Reserve(1);
        _buffer[_length++] = value;
    }

    private void Bytes(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
    }
}
