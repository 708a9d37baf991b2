using System.Buffers;
using System.Text;
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
    // What a JSON string may hold unescaped and the writer copies as is: printable ASCII except the quote and backslash.
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

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
        if (text.AsSpan().ContainsAnyExcept(Plain))
        {
            Byte((byte)'"');
            Bytes(JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes);
            Byte((byte)'"');
            return;
        }

        Reserve(text.Length + 2);
        var span = _buffer.AsSpan(_length);
        span[0] = (byte)'"';
        Ascii.FromUtf16(text, span[1..], out var written);
        span[1 + written] = (byte)'"';
        _length += written + 2;
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
