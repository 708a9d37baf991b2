using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Bodies;

/// <summary>
/// Rewrites try-on and product JSON bodies: compat rules (COMPAT.md) and attribution (<c>externalUserId</c> = the
/// caller's pseudonym). A canonical body never builds a DOM: its members are copied verbatim and only
/// <c>externalUserId</c> changes. A legacy body is parsed once into <see cref="JsonNode"/>s, rewritten, and written.
/// </summary>
internal sealed class JsonBodyRewriter(CompatEngine compat)
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };
    private static readonly byte[] ExternalUserIdMember = Encoding.UTF8.GetBytes(",\"externalUserId\":\"");

    public BodyRewrite RewriteTryOn(ReadOnlySpan<byte> json, string pseudonym)
    {
        var errors = JsonBodyScanner.ScanTryOn(json, out var scan);
        if (errors is not null)
        {
            return BodyRewrite.Invalid(errors);
        }

        if (!scan.HasLegacyShape)
        {
            return new BodyRewrite
            {
                Body = CopyMembersWithAttribution(json, scan.KeptMembers, pseudonym),
                PersonImageId = scan.PersonImageId,
                KeepForDays = scan.KeepForDays,
            };
        }

        if (ParseObject(json) is not { } body)
        {
            return BodyRewrite.Invalid([new ErrorDetail("", "Malformed JSON (duplicate members are not allowed).")]);
        }

        var conflicts = new List<ErrorDetail>();
        var applied = compat.RewriteTryOn(body, conflicts);
        if (conflicts.Count > 0)
        {
            return BodyRewrite.Invalid(conflicts);
        }

        body.Remove("externalUserId");
        body["externalUserId"] = pseudonym;

        var personId = body["person"]?["image"]?["source"]?["id"];
        if (personId is not null && personId.GetValueKind() != JsonValueKind.String)
        {
            return BodyRewrite.Invalid([new ErrorDetail("person.image.source.id", "Expected a string.")]);
        }

        int? keepForDays = body["output"]?["keepForDays"] is JsonValue keep && keep.TryGetValue<int>(out var days) ? days : null;
        return new BodyRewrite
        {
            Body = JsonSerializer.SerializeToUtf8Bytes(body, CompatJsonContext.Default.JsonObject),
            PersonImageId = personId?.GetValue<string>(),
            KeepForDays = keepForDays,
            AppliedRules = applied,
        };
    }

    public BodyRewrite RewriteProduct(ReadOnlySpan<byte> json)
    {
        var errors = JsonBodyScanner.ScanProduct(json, out var scan);
        if (errors is not null)
        {
            return BodyRewrite.Invalid(errors);
        }

        if (!scan.HasLegacyShape)
        {
            return new BodyRewrite { Body = json.ToArray() };
        }

        if (ParseObject(json) is not { } body)
        {
            return BodyRewrite.Invalid([new ErrorDetail("", "Malformed JSON (duplicate members are not allowed).")]);
        }

        var conflicts = new List<ErrorDetail>();
        var applied = compat.RewriteProduct(body, "", conflicts);
        return conflicts.Count > 0
            ? BodyRewrite.Invalid(conflicts)
            : new BodyRewrite { Body = JsonSerializer.SerializeToUtf8Bytes(body, CompatJsonContext.Default.JsonObject), AppliedRules = applied };
    }

    /// <summary>
    /// The emulated <c>PATCH /products/{externalId}</c>: the path's id merged into the body (a different one in the body
    /// is a conflict), then the product rows, in one parse.
    /// </summary>
    public BodyRewrite RewritePatch(ReadOnlySpan<byte> json, string externalId)
    {
        if (ParseObject(json) is not { } body)
        {
            return BodyRewrite.Invalid([new ErrorDetail("", "The body must be a JSON object (duplicate members are not allowed).")]);
        }

        if (body.TryGetPropertyValue("externalId", out var existing) && existing is not null &&
            !(existing.GetValueKind() == JsonValueKind.String && existing.GetValue<string>() == externalId))
        {
            return BodyRewrite.Invalid([new ErrorDetail("externalId", "Conflicts with the externalId in the path.")]);
        }

        body["externalId"] = externalId;
        var conflicts = new List<ErrorDetail>();
        var applied = compat.RewriteProduct(body, "", conflicts);
        return conflicts.Count > 0
            ? BodyRewrite.Invalid(conflicts)
            : new BodyRewrite { Body = JsonSerializer.SerializeToUtf8Bytes(body, CompatJsonContext.Default.JsonObject), AppliedRules = applied };
    }

    private static JsonObject? ParseObject(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonNode.Parse(json, documentOptions: DocumentOptions) as JsonObject;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary><c>{</c> + the kept members verbatim + <c>"externalUserId":"&lt;pseudonym&gt;"}</c>. The pseudonym is base64url: nothing to escape.</summary>
    private static byte[] CopyMembersWithAttribution(ReadOnlySpan<byte> json, List<(int Start, int End)> members, string pseudonym)
    {
        var attribution = members.Count == 0 ? ExternalUserIdMember.AsSpan(1) : ExternalUserIdMember;
        var length = 1 + Math.Max(members.Count - 1, 0) + attribution.Length + pseudonym.Length + 2;
        foreach (var (start, end) in members)
        {
            length += end - start;
        }

        var output = new byte[length];
        var span = output.AsSpan();
        var position = 0;
        span[position++] = (byte)'{';
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                span[position++] = (byte)',';
            }

            var (start, end) = members[i];
            json[start..end].CopyTo(span[position..]);
            position += end - start;
        }

        attribution.CopyTo(span[position..]);
        position += attribution.Length;
        position += Encoding.ASCII.GetBytes(pseudonym, span[position..]);
        span[position++] = (byte)'"';
        span[position] = (byte)'}';
        return output;
    }
}
