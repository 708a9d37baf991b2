using System.Text;
using System.Text.Json.Nodes;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Bodies;

/// <summary>
/// Rewrites try-on and product JSON bodies: compat rules (COMPAT.md) and attribution (<c>externalUserId</c> = the
/// caller's pseudonym). A canonical body never builds a DOM: its members are copied verbatim and only
/// <c>externalUserId</c> changes. A legacy body, a cold and shrinking path, is parsed into a <see cref="JsonObject"/> tree
/// (<see cref="LegacyJson"/>), rewritten by the rules, and written (untouched values as sent).
/// </summary>
internal sealed class JsonBodyRewriter(CompatEngine compat)
{
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
                Body = CopyMembersWithAttribution(json, scan.KeptMembers ?? [], pseudonym),
                PersonImageId = scan.PersonImageId,
                KeepForDays = scan.KeepForDays,
            };
        }

        var rewritten = RewriteParsed(json, (compat, pseudonym), static (body, state) =>
        {
            var conflicts = new List<ErrorDetail>();
            var applied = state.compat.RewriteTryOn(body, conflicts);
            if (conflicts.Count > 0)
            {
                return BodyRewrite.Invalid(conflicts);
            }

            body.Remove("externalUserId");
            body["externalUserId"] = state.pseudonym;
            return new BodyRewrite { AppliedRules = applied };
        });
        return Rescanned(rewritten, isTryOn: true);
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

        return Rescanned(RewriteParsed(json, compat, static (body, compat) => RewriteProductRows(body, compat)), isTryOn: false);
    }

    /// <summary>
    /// The emulated <c>PATCH /products/{externalId}</c>: the path's id merged into the body (a different one in the body
    /// is a conflict), then the product rows, in one parse.
    /// </summary>
    public BodyRewrite RewritePatch(ReadOnlySpan<byte> json, string externalId)
    {
        if (JsonText.Validate(json) is { } encoding)
        {
            return BodyRewrite.Invalid([encoding]);
        }

        var rewritten = RewriteParsed(json, (compat, externalId), static (body, state) =>
        {
            if (body.TryGetNonNull("externalId", out var existing) && !(existing.TryGetString(out var sent) && sent == state.externalId))
            {
                return BodyRewrite.Invalid([new ErrorDetail("externalId", "Conflicts with the externalId in the path.")]);
            }

            body["externalId"] = state.externalId;
            return RewriteProductRows(body, state.compat);
        });
        return Rescanned(rewritten, isTryOn: false);
    }

    /// <summary>
    /// The legacy path's output read again by the fast path's scanner: the image id checked and the retention recorded
    /// are the ones in the bytes forwarded, and what the rules did not understand (a legacy member left behind, such as a
    /// <c>customer</c> array, or a container of the wrong type) is refused, never forwarded unchecked.
    /// </summary>
    private static BodyRewrite Rescanned(BodyRewrite rewritten, bool isTryOn)
    {
        if (rewritten.Errors is not null)
        {
            return rewritten;
        }

        var errors = isTryOn ? JsonBodyScanner.ScanTryOn(rewritten.Body, out var scan) : JsonBodyScanner.ScanProduct(rewritten.Body, out scan);
        if (errors is not null)
        {
            return BodyRewrite.Invalid(errors);
        }

        if (scan.HasLegacyShape)
        {
            return BodyRewrite.Invalid([new ErrorDetail(scan.LegacyPath ?? "", "Not a shape of this field the gateway knows (COMPAT.md).")]);
        }

        return new BodyRewrite
        {
            Body = rewritten.Body,
            AppliedRules = rewritten.AppliedRules,
            PersonImageId = scan.PersonImageId,
            KeepForDays = scan.KeepForDays,
        };
    }

    private static BodyRewrite RewriteProductRows(JsonObject body, CompatEngine compat)
    {
        var conflicts = new List<ErrorDetail>();
        var applied = compat.RewriteProduct(body, "", conflicts);
        return conflicts.Count > 0 ? BodyRewrite.Invalid(conflicts) : new BodyRewrite { AppliedRules = applied };
    }

    /// <summary>
    /// The legacy path: parse the body (all of it: a duplicate member anywhere is refused), run
    /// <paramref name="rewrite"/> over the top-level object, and write what it left when it reports no errors.
    /// </summary>
    private static BodyRewrite RewriteParsed<TState>(ReadOnlySpan<byte> json, TState state, Func<JsonObject, TState, BodyRewrite> rewrite)
    {
        using var body = LegacyJson.Parse(json, out var error);
        if (body is null)
        {
            return BodyRewrite.Invalid([error!]);
        }

        var rewritten = rewrite(body.Root, state);
        return rewritten.Errors is not null ? rewritten : new BodyRewrite { Body = body.Write(), AppliedRules = rewritten.AppliedRules };
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
