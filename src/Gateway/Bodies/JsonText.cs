using System.Text.Json;
using System.Text.Unicode;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Bodies;

/// <summary>
/// The encoding rules of a JSON body, checked once over all its bytes before anything is copied: I-JSON
/// (RFC 7493 §2.1), valid UTF-8 and no escaped lone surrogate. <see cref="Utf8JsonReader"/> checks neither in a string
/// it is not asked to decode, and the fast path forwards strings as sent.
/// </summary>
internal static class JsonText
{
    /// <summary>How every request body is read, canonical (the fast path's scan) or legacy.</summary>
    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Why <paramref name="json"/> breaks the encoding rules, or <c>null</c>. Other malformations are the reader's to report.</summary>
    public static ErrorDetail? Validate(ReadOnlySpan<byte> json)
    {
        // Vectorised: overlongs, UTF-8-encoded surrogates (ED A0 80), truncated and stray bytes, in names and values.
        if (!Utf8.IsValid(json))
        {
            return new ErrorDetail("", "Malformed JSON: the body is not valid UTF-8.");
        }

        // "\ud800" alone is kept by JavaScript's JSON.parse and refused by .NET's: the gateway and Genlook would read
        // such a string differently, so neither reads it. Only a body with a \u escape pays for the walk.
        return json.IndexOf("\\u"u8) >= 0 && HasLoneSurrogateEscape(json)
            ? new ErrorDetail("", "Malformed JSON: a \\u escape encodes a lone surrogate.")
            : null;
    }

    private static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        Span<char> scratch = stackalloc char[256];
        try
        {
            while (reader.Read())
            {
                if (reader.ValueIsEscaped && reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    // Unescaping is what checks the surrogate pairs (InvalidOperationException).
                    if (reader.ValueSpan.Length <= scratch.Length)
                    {
                        reader.CopyString(scratch);
                    }
                    else
                    {
                        reader.GetString();
                    }
                }
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
        catch (JsonException)
        {
            // Malformed otherwise: the scan reports it, with its position.
        }

        return false;
    }
}
