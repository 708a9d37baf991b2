using System.Text;
using System.Text.Json;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Bodies;

/// <summary>What one forward-only pass over a JSON body found, without building a DOM.</summary>
internal struct JsonBodyScan
{
    /// <summary>
    /// A legacy shape (COMPAT.md) is present somewhere: the body takes the legacy path. The scan stops at the first
    /// legacy top-level member (the legacy path validates the rest), so the other fields are then incomplete.
    /// </summary>
    public bool HasLegacyShape;

    /// <summary>Where the first legacy shape was found (<c>customer</c>, <c>products.0.images.1</c>, …).</summary>
    public string? LegacyPath;

    /// <summary><c>person.image.source.id</c>, the uploaded image the try-on uses, when present.</summary>
    public string? PersonImageId;

    /// <summary><c>output.keepForDays</c> when present and numeric.</summary>
    public int? KeepForDays;

    /// <summary>Byte ranges (start, end) of top-level members to keep verbatim, <c>"name": value</c> (<c>null</c>: none).</summary>
    public List<(int Start, int End)>? KeptMembers;
}

/// <summary>
/// The fast path of the body pipeline: validates the JSON, finds what ownership and attribution need, and tells
/// whether any legacy shape is present, in one <see cref="Utf8JsonReader"/> pass. Canonical bodies are then copied
/// member by member, unknown fields and formatting included; only legacy bodies are opened for the compat rules.
/// </summary>
internal static class JsonBodyScanner
{
    // The members that only legacy shapes have, each rule's ICompatRule.LegacyNames: of a try-on body's top level, of a
    // product, of a product image. As UTF-8, which the reader compares without transcoding. Matched by name whatever
    // the value: one set to null still takes the legacy path, where it is dropped.
    private static readonly byte[][] LegacyTryOnMembers = LegacyNames(CompatSurface.TryOn);
    private static readonly byte[][] LegacyProductMembers = LegacyNames(CompatSurface.Product);
    private static readonly byte[][] LegacyImageMembers = LegacyNames(CompatSurface.ProductImage);

    private static byte[][] LegacyNames(CompatSurface surface) =>
        CompatRules.All.Where(r => r.Surface == surface).SelectMany(r => r.LegacyNames).Distinct().Select(Encoding.UTF8.GetBytes).ToArray();

    /// <summary>Scans a try-on body (JSON, or a multipart <c>data</c> field). Returns the errors that make it invalid, or null.</summary>
    public static List<ErrorDetail>? ScanTryOn(ReadOnlySpan<byte> json, out JsonBodyScan scan) => Scan(json, isTryOn: true, out scan);

    /// <summary>Scans a product body (<c>POST /products</c>).</summary>
    public static List<ErrorDetail>? ScanProduct(ReadOnlySpan<byte> json, out JsonBodyScan scan) => Scan(json, isTryOn: false, out scan);

    private static List<ErrorDetail>? Scan(ReadOnlySpan<byte> json, bool isTryOn, out JsonBodyScan scan)
    {
        // The list of kept members is made on the first one: a body that turns out legacy at once needs none.
        scan = default;

        if (JsonText.Validate(json) is { } encoding)
        {
            return [encoding];
        }

        // The legacy path's reader options: a body one path accepts, the other must not refuse.
        var reader = new Utf8JsonReader(json, JsonText.ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return [new ErrorDetail("", "The body must be a JSON object.")];
            }

            var seen = 0UL;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var memberStart = (int)reader.TokenStartIndex;
                var keep = true;
                if (isTryOn)
                {
                    if (reader.ValueTextEquals("externalUserId"u8))
                    {
                        // The caller's pseudonym replaces whatever the app sent (CONTRACT §2).
                        keep = false;
                        reader.Read();
                        reader.Skip();
                    }
                    else if (IsOneOf(ref reader, LegacyTryOnMembers))
                    {
                        // The body takes the legacy path, which validates it in full: scanning on would only repeat it.
                        scan.HasLegacyShape = true;
                        scan.LegacyPath = reader.GetString();
                        return null;
                    }
                    else if (reader.ValueTextEquals("person"u8))
                    {
                        if (!MarkOnce(ref seen, 0))
                        {
                            return [new ErrorDetail("person", "Duplicate member.")];
                        }

                        reader.Read();
                        var error = ReadPersonImageId(ref reader, ref scan);
                        if (error is not null)
                        {
                            return [error];
                        }
                    }
                    else if (reader.ValueTextEquals("products"u8))
                    {
                        reader.Read();
                        if (ScanProducts(ref reader, ref scan) is { } error)
                        {
                            return [error];
                        }
                    }
                    else if (reader.ValueTextEquals("output"u8))
                    {
                        reader.Read();
                        ReadKeepForDays(ref reader, ref scan);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
                else
                {
                    if (IsOneOf(ref reader, LegacyProductMembers))
                    {
                        scan.HasLegacyShape = true;
                        scan.LegacyPath = reader.GetString();
                        return null;
                    }
                    else if (reader.ValueTextEquals("images"u8))
                    {
                        reader.Read();
                        if (ScanImages(ref reader, ref scan, product: -1) is { } error)
                        {
                            return [error];
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                if (keep)
                {
                    (scan.KeptMembers ??= new List<(int, int)>(8)).Add((memberStart, (int)reader.BytesConsumed));
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return [new ErrorDetail("", "The body must be exactly one JSON object.")];
            }

            return null;
        }
        catch (JsonException ex)
        {
            return [new ErrorDetail("", $"Malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}.")];
        }
    }

    private static bool MarkOnce(ref ulong seen, int bit)
    {
        var mask = 1UL << bit;
        if ((seen & mask) != 0)
        {
            return false;
        }

        seen |= mask;
        return true;
    }

    private static bool IsOneOf(ref Utf8JsonReader reader, byte[][] names)
    {
        foreach (var name in names)
        {
            if (reader.ValueTextEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>products</c>: an array of objects. Every container on the way to an image source is checked to be the type the
    /// docs give it, in every product and image, so that no image reference sits where the gateway did not look.
    /// </summary>
    private static ErrorDetail? ScanProducts(ref Utf8JsonReader reader, ref JsonBodyScan scan)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return reader.TokenType == JsonTokenType.Null ? null : Expected("products", "an array");
        }

        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var product = index++;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Expected($"products.{product}", "an object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (IsOneOf(ref reader, LegacyProductMembers))
                {
                    scan.HasLegacyShape = true;
                    scan.LegacyPath ??= $"products.{product}.{reader.GetString()}";
                    reader.Read();
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("images"u8))
                {
                    reader.Read();
                    if (ScanImages(ref reader, ref scan, product) is { } error)
                    {
                        return error;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return null;
    }

    /// <summary>
    /// <c>images</c>: an array of objects, each with its reference under a <c>source</c> object (or flat, L12). A product
    /// image takes a url or a fileKey (COMPAT.md): an <c>id</c>, which would name an uploaded image the gateway does not
    /// check on this path, is refused. <paramref name="product"/>: the product's index in a try-on's <c>products</c>, or
    /// -1 for the body of <c>POST /products</c>.
    /// </summary>
    private static ErrorDetail? ScanImages(ref Utf8JsonReader reader, ref JsonBodyScan scan, int product)
    {
        // Paths are spelled only for an error: the fast path allocates nothing per image.
        var images = product < 0 ? "images" : null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return reader.TokenType == JsonTokenType.Null ? null : Expected(images ?? $"products.{product}.images", "an array");
        }

        var image = -1;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            image++;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Expected(ImagePath(), "an object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (IsOneOf(ref reader, LegacyImageMembers))
                {
                    scan.HasLegacyShape = true;
                    scan.LegacyPath ??= ImagePath();
                }
                else if (reader.ValueTextEquals("id"u8))
                {
                    return NoImageId(ImagePath() + ".id");
                }
                else if (reader.ValueTextEquals("source"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return Expected(ImagePath() + ".source", "an object");
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("id"u8))
                        {
                            return NoImageId(ImagePath() + ".source.id");
                        }

                        reader.Read();
                        reader.Skip();
                    }

                    continue;
                }

                reader.Read();
                reader.Skip();
            }
        }

        return null;

        string ImagePath() => $"{images ?? $"products.{product}.images"}.{image}";

        static ErrorDetail NoImageId(string at) => new(at, "A product image takes a 'url' or a 'fileKey', not an uploaded image id.");
    }

    private static ErrorDetail Expected(string path, string type) => new(path, $"Expected {type}.");

    /// <summary>Reads <c>person.image.source.id</c>. Duplicate members on that path are refused: Genlook would read the last, the gateway the first.</summary>
    private static ErrorDetail? ReadPersonImageId(ref Utf8JsonReader reader, ref JsonBodyScan scan)
    {
        // Each container on the way to the id must be an object (null reads as absent): an array, a string… there
        // would hide an id from the gateway that Genlook might still read.
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return reader.TokenType == JsonTokenType.Null ? null : Expected("person", "an object");
        }

        var seen = 0UL;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("image"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            if (!MarkOnce(ref seen, 0))
            {
                return new ErrorDetail("person.image", "Duplicate member.");
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Expected("person.image", "an object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("source"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                if (!MarkOnce(ref seen, 1))
                {
                    return new ErrorDetail("person.image.source", "Duplicate member.");
                }

                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return Expected("person.image.source", "an object");
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isId = reader.ValueTextEquals("id"u8);
                    reader.Read();
                    if (!isId)
                    {
                        reader.Skip();
                        continue;
                    }

                    if (!MarkOnce(ref seen, 2))
                    {
                        return new ErrorDetail("person.image.source.id", "Duplicate member.");
                    }

                    if (reader.TokenType == JsonTokenType.String)
                    {
                        scan.PersonImageId = reader.GetString();
                    }
                    else
                    {
                        return new ErrorDetail("person.image.source.id", "Expected a string.");
                    }
                }
            }
        }

        return null;
    }

    private static void ReadKeepForDays(ref Utf8JsonReader reader, ref JsonBodyScan scan)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isKeep = reader.ValueTextEquals("keepForDays"u8);
            reader.Read();
            if (isKeep && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var days))
            {
                scan.KeepForDays = days;
            }
            else
            {
                reader.Skip();
            }
        }
    }
}
