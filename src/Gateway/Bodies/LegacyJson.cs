using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Bodies;

/// <summary>
/// A legacy body as the compat rules edit it: a <see cref="JsonObject"/> tree over a <see cref="JsonDocument"/>, written
/// back with <see cref="Utf8JsonWriter"/>. Every value and container the rules left as parsed is written as sent
/// (escapes, number spelling and whitespace inside it), so an app's own fields reach Genlook unchanged.
/// </summary>
/// <remarks>
/// Built here rather than with <see cref="JsonNode.Parse(ReadOnlySpan{byte}, JsonNodeOptions?, JsonDocumentOptions)"/>:
/// a duplicate member is refused with its path (as the fast path does), and each container remembers what it was
/// parsed as, which <see cref="JsonNode"/> does not expose, so an untouched one is copied as sent.
/// </remarks>
internal sealed class LegacyJson : IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonDocument _document;

    // Each parsed container, with its members (or items) as parsed, and once known whether it still holds just them.
    private readonly Dictionary<JsonNode, Parsed> _parsed = new(ReferenceEqualityComparer.Instance);

    private LegacyJson(JsonDocument document) => _document = document;

    /// <summary>The top-level object the rules edit.</summary>
    public JsonObject Root { get; private set; } = null!;

    /// <summary>Parses <paramref name="json"/> (valid UTF-8 already: <see cref="JsonText.Validate"/>); an error when it is malformed or ambiguous.</summary>
    public static LegacyJson? Parse(ReadOnlySpan<byte> json, out ErrorDetail? error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = JsonText.ReaderOptions.MaxDepth });
        }
        catch (JsonException ex)
        {
            error = new ErrorDetail("", ex.LineNumber is { } line ? $"Malformed JSON at line {line + 1}, byte {ex.BytePositionInLine}." : ex.Message);
            return null;
        }

        var body = new LegacyJson(document);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            error = new ErrorDetail("", "The body must be a JSON object.");
            body.Dispose();
            return null;
        }

        var path = new List<string>();
        body.Root = (JsonObject)body.Build(document.RootElement, path, out error)!;
        if (error is not null)
        {
            body.Dispose();
            return null;
        }

        return body;
    }

    private JsonNode? Build(JsonElement element, List<string> path, out ErrorDetail? error)
    {
        error = null;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var member in element.EnumerateObject())
                {
                    path.Add(member.Name);
                    var value = Build(member.Value, path, out error);
                    if (error is null && !obj.TryAdd(member.Name, value))
                    {
                        // Genlook would read the last one, the rules the first: refused.
                        error = new ErrorDetail(string.Join('.', path), "Duplicate member.");
                    }

                    path.RemoveAt(path.Count - 1);
                    if (error is not null)
                    {
                        return null;
                    }
                }

                _parsed[obj] = new Parsed(element, [.. obj]);
                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    path.Add((index++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    array.Add(Build(item, path, out error));
                    path.RemoveAt(path.Count - 1);
                    if (error is not null)
                    {
                        return null;
                    }
                }

                _parsed[array] = new Parsed(element, [.. array.Select(item => new KeyValuePair<string, JsonNode?>("", item))]);
                return array;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element);
        }
    }

    /// <summary>The edited tree as UTF-8.</summary>
    public byte[] Write()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, Root);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject or JsonArray when Untouched(node, out var element):
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj)
                {
                    writer.WritePropertyName(name);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValue value when value.TryGetValue<JsonElement>(out var element):
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    // A parsed container holding the very members it was parsed with, in order, each of them untouched too.
    private bool Untouched(JsonNode node, out JsonElement element)
    {
        element = default;
        if (!_parsed.TryGetValue(node, out var parsed))
        {
            return false;
        }

        element = parsed.Element;
        if (parsed.Untouched is { } known)
        {
            return known;
        }

        var now = node is JsonObject obj ? obj.ToArray() : node.AsArray().Select(item => new KeyValuePair<string, JsonNode?>("", item)).ToArray();
        var untouched = now.Length == parsed.Members.Length;
        for (var i = 0; untouched && i < now.Length; i++)
        {
            var (name, value) = now[i];
            untouched = name == parsed.Members[i].Key && ReferenceEquals(value, parsed.Members[i].Value) &&
                        (value is not (JsonObject or JsonArray) || Untouched(value, out _));
        }

        parsed.Untouched = untouched;
        return untouched;
    }

    public void Dispose() => _document.Dispose();

    private sealed class Parsed(JsonElement element, KeyValuePair<string, JsonNode?>[] members)
    {
        public JsonElement Element { get; } = element;

        public KeyValuePair<string, JsonNode?>[] Members { get; } = members;

        public bool? Untouched { get; set; }
    }
}
