using System.Text;
using System.Text.Json;
using Genlook.Gateway.Bodies;

namespace Genlook.Gateway.Fuzz.Targets;

/// <summary>What must hold of a JSON body the gateway forwards (CONTRACT §2, §5; COMPAT.md).</summary>
internal static class JsonInvariants
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Deeper than the gateway's own reader (64): a rewrite may nest a legacy member a few levels down.
    private static readonly JsonDocumentOptions Strict = new() { MaxDepth = 128, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false };

    private static readonly string[] LegacyTryOnMembers =
        ["productId", "externalProductId", "customerImageId", "customer", "product", "customerId", "useWatermark", "retentionDays"];

    private static readonly string[] LegacyProductMembers = ["imageUrls", "autoClassifyImages", "autoDetectImageRoles"];

    /// <summary>
    /// A try-on body the pipeline would forward: <paramref name="rewrite"/> had no errors and the ownership step
    /// (<c>RequestBodyMiddleware</c>: the caller must own <see cref="BodyRewrite.PersonImageId"/>) let it through.
    /// </summary>
    public static bool WouldForwardTryOn(BodyRewrite rewrite) =>
        rewrite.Errors is null && (rewrite.PersonImageId is not { } id || Caller.Owns(id));

    public static void ForwardedTryOn(BodyRewrite rewrite, string where)
    {
        using var document = ParseStrict(rewrite.Body, where);
        var root = document.RootElement;
        FuzzTargets.Check(root.ValueKind == JsonValueKind.Object, $"{where}: the forwarded body is not an object");

        var attributions = 0;
        foreach (var member in root.EnumerateObject())
        {
            FuzzTargets.Check(Array.IndexOf(LegacyTryOnMembers, member.Name) < 0, $"{where}: legacy member '{member.Name}' forwarded",
                member.Name is "customer" or "customerImageId" ? KnownDefectException.UnknownImageShape : null);
            if (member.Name == "externalUserId")
            {
                attributions++;
            }
        }

        FuzzTargets.Check(attributions == 1, $"{where}: {attributions} top-level externalUserId members forwarded, expected exactly one");

        // Anywhere in the body: no other user's attribution, no image the caller does not own.
        Walk(root, "", where);

        // The image the gateway checked is the one it forwards in the canonical place.
        if (root.TryGetProperty("person", out var person) && person.ValueKind == JsonValueKind.Object &&
            person.TryGetProperty("image", out var image) && image.ValueKind == JsonValueKind.Object &&
            image.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object &&
            source.TryGetProperty("id", out var id))
        {
            FuzzTargets.Check(id.ValueKind == JsonValueKind.String && id.GetString() == rewrite.PersonImageId,
                $"{where}: person.image.source.id forwarded is not the id the ownership step checked ({rewrite.PersonImageId ?? "none"})");
        }

        if (root.TryGetProperty("products", out var products) && products.ValueKind == JsonValueKind.Array)
        {
            foreach (var product in products.EnumerateArray())
            {
                ProductHasNoLegacyMember(product, where);
            }
        }
    }

    public static void ForwardedProduct(BodyRewrite rewrite, string where, string? patchId)
    {
        using var document = ParseStrict(rewrite.Body, where);
        var root = document.RootElement;
        FuzzTargets.Check(root.ValueKind == JsonValueKind.Object, $"{where}: the forwarded body is not an object");
        ProductHasNoLegacyMember(root, where);
        if (patchId is not null)
        {
            var ids = root.EnumerateObject().Where(m => m.Name == "externalId").ToList();
            FuzzTargets.Check(ids.Count == 1 && ids[0].Value.ValueKind == JsonValueKind.String && ids[0].Value.GetString() == patchId,
                $"{where}: the forwarded body's externalId is not the one in the path, exactly once");
        }
    }

    private static JsonDocument ParseStrict(byte[] body, string where)
    {
        try
        {
            StrictUtf8.GetCharCount(body);
        }
        catch (DecoderFallbackException)
        {
            throw new KnownDefectException(KnownDefectException.InvalidUtf8, $"{where}: the forwarded body is not valid UTF-8");
        }

        try
        {
            return JsonDocument.Parse(body, Strict);
        }
        catch (JsonException ex)
        {
            throw new InvariantViolationException($"{where}: the forwarded body is not valid JSON ({ex.Message})");
        }
    }

    private static void ProductHasNoLegacyMember(JsonElement product, string where)
    {
        if (product.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var member in product.EnumerateObject())
        {
            FuzzTargets.Check(Array.IndexOf(LegacyProductMembers, member.Name) < 0, $"{where}: legacy product member '{member.Name}' forwarded");
        }
    }

    /// <summary>
    /// Every <c>externalUserId</c> is the caller's pseudonym, no <c>customerId</c> is left, and every image reference
    /// (an <c>id</c> under a <c>source</c>, the shape Genlook reads, in whatever container it sits) is one the caller owns.
    /// Names are compared unescaped, as Genlook's parser reads them.
    /// </summary>
    private static void Walk(JsonElement element, string path, string where)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    var memberPath = path.Length == 0 ? member.Name : path + "." + member.Name;
                    if (member.Name == "externalUserId")
                    {
                        FuzzTargets.Check(member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() == Caller.Pseudonym,
                            $"{where}: {memberPath} forwarded is not the caller's pseudonym");
                    }

                    FuzzTargets.Check(member.Name != "customerId", $"{where}: {memberPath} forwarded");
                    if (member.Name == "source" && member.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var reference in member.Value.EnumerateObject().Where(m => m.Name == "id"))
                        {
                            // At person.image.source the ownership step must have caught it; anywhere else it cannot see it (yet).
                            FuzzTargets.Check(reference.Value.ValueKind == JsonValueKind.String && Caller.Owns(reference.Value.GetString()!),
                                $"{where}: image reference {memberPath}.id forwarded is not an image the caller owns",
                                memberPath == "person.image.source" ? null : KnownDefectException.UnknownImageShape);
                        }
                    }

                    Walk(member.Value, memberPath, where);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{path}[{index++}]", where);
                }

                break;
        }
    }
}
