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
    /// A try-on body the pipeline would forward: <paramref name="rewrite"/> had no errors and the ownership stage after
    /// the body stage (<c>ImageOwnershipMiddleware</c>: the caller must own <see cref="BodyRewrite.PersonImageId"/>) let it through.
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
            var name = Name(member);
            FuzzTargets.Check(Array.IndexOf(LegacyTryOnMembers, name) < 0, $"{where}: legacy member '{name}' forwarded",
                name is "customer" or "customerImageId" ? KnownDefectException.UnknownImageShape : null);
            if (name == "externalUserId")
            {
                attributions++;
            }

            if (name == "products" && member.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var product in member.Value.EnumerateArray())
                {
                    ProductHasNoLegacyMember(product, where);
                }
            }
        }

        FuzzTargets.Check(attributions == 1, $"{where}: {attributions} top-level externalUserId members forwarded, expected exactly one");

        // Anywhere in the body: no other user's attribution, no image the caller does not own, and in the canonical
        // place exactly the image the ownership step checked.
        Walk(root, "", where, rewrite.PersonImageId);
    }

    public static void ForwardedProduct(BodyRewrite rewrite, string where, string? patchId)
    {
        using var document = ParseStrict(rewrite.Body, where);
        var root = document.RootElement;
        FuzzTargets.Check(root.ValueKind == JsonValueKind.Object, $"{where}: the forwarded body is not an object");
        ProductHasNoLegacyMember(root, where);
        if (patchId is not null)
        {
            var ids = root.EnumerateObject().Where(m => Name(m) == "externalId").ToList();
            FuzzTargets.Check(ids.Count == 1 && Text(ids[0].Value) == patchId,
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
            FuzzTargets.Check(Array.IndexOf(LegacyProductMembers, Name(member)) < 0, $"{where}: legacy product member '{Name(member)}' forwarded");
        }
    }

    /// <summary>
    /// A member name as Genlook's parser reads it (unescaped). A name with an unpaired surrogate escape (valid JSON text,
    /// not valid UTF-16) cannot equal any name the gateway or Genlook knows: it reads as a placeholder.
    /// </summary>
    private static string Name(JsonProperty member)
    {
        try
        {
            return member.Name;
        }
        catch (InvalidOperationException)
        {
            return "\uFFFD(unpaired surrogate)";
        }
    }

    /// <summary>A string value, or <c>null</c> for another kind or one with an unpaired surrogate escape.</summary>
    private static string? Text(JsonElement value)
    {
        try
        {
            return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every <c>externalUserId</c> is the caller's pseudonym, no <c>customerId</c> is left, and every image reference
    /// (an <c>id</c> under a <c>source</c>, the shape Genlook reads, in whatever container it sits) is one the caller
    /// owns; at <c>person.image.source.id</c> it is the one the ownership step checked. Names are compared unescaped,
    /// as Genlook's parser reads them.
    /// </summary>
    private static void Walk(JsonElement element, string path, string where, string? checkedImageId)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    var name = Name(member);
                    var memberPath = path.Length == 0 ? name : path + "." + name;
                    if (name == "externalUserId")
                    {
                        FuzzTargets.Check(Text(member.Value) == Caller.Pseudonym, $"{where}: {memberPath} forwarded is not the caller's pseudonym");
                    }

                    FuzzTargets.Check(name != "customerId", $"{where}: {memberPath} forwarded");
                    if (name == "source" && member.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var reference in member.Value.EnumerateObject().Where(m => Name(m) == "id"))
                        {
                            var id = Text(reference.Value);
                            if (memberPath == "person.image.source")
                            {
                                // The ownership step must have checked exactly this id (and refused it when not owned).
                                FuzzTargets.Check(id is not null && id == checkedImageId && Caller.Owns(id),
                                    $"{where}: person.image.source.id forwarded is not the owned id the ownership step checked ({checkedImageId ?? "none"})");
                            }
                            else
                            {
                                FuzzTargets.Check(id is not null && Caller.Owns(id),
                                    $"{where}: image reference {memberPath}.id forwarded is not an image the caller owns", KnownDefectException.UnknownImageShape);
                            }
                        }
                    }

                    Walk(member.Value, memberPath, where, checkedImageId);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{path}[{index++}]", where, checkedImageId);
                }

                break;
        }
    }
}
