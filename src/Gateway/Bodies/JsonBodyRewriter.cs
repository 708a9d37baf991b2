using System.Text;
using System.Text.Json;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Bodies;

/// <summary>
/// Rewrites try-on and product JSON bodies: compat rules (COMPAT.md) and attribution (<c>externalUserId</c> = the
/// caller's pseudonym). A canonical body never builds a DOM: its members are copied verbatim and only
/// <c>externalUserId</c> changes. A legacy body is validated once and rewritten in place through <see cref="CompatObject"/>
/// overlays on its bytes (untouched members are copied through as sent), then written.
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
            body.Set("externalUserId", CompatValue.Of(state.pseudonym));
            return new BodyRewrite { Body = Write(body), AppliedRules = applied };
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

            body.Set("externalId", CompatValue.Of(state.externalId));
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

    private static BodyRewrite RewriteProductRows(CompatObject body, CompatEngine compat)
    {
        var conflicts = new List<ErrorDetail>();
        var applied = compat.RewriteProduct(body, "", conflicts);
        return conflicts.Count > 0
            ? BodyRewrite.Invalid(conflicts)
            : new BodyRewrite { Body = Write(body), AppliedRules = applied };
    }

    /// <summary>
    /// The legacy path: open the body (validating all of it), run <paramref name="rewrite"/> over the top-level object,
    /// write. The rules read the body in place (<see cref="RawBody"/>), until the rewrite is written.
    /// Duplicate members are refused in every object the rules open (<see cref="CompatObject"/>), as the fast path
    /// refuses them on the path it reads.
    /// </summary>
    private static BodyRewrite RewriteParsed<TState>(ReadOnlySpan<byte> json, TState state, Func<CompatObject, TState, BodyRewrite> rewrite)
    {
        RawBody? body = null;
        try
        {
            body = RawBody.Parse(json);

            // A legacy try-on body usually gains products, person, output and externalUserId.
            return rewrite(body.Root(room: 4), state);
        }
        catch (JsonException ex) when (ex.LineNumber is { } line)
        {
            return Malformed($"Malformed JSON at line {line + 1}, byte {ex.BytePositionInLine}.");
        }
        catch (JsonException ex)
        {
            return Malformed(ex.Message);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is DecoderFallbackException)
        {
            // A member name or a string the rules read is not valid UTF-8.
            return Malformed("Malformed JSON: invalid UTF-8.");
        }
        catch (CompatDuplicateMemberException ex)
        {
            return Malformed($"Malformed JSON: {ex.Message}");
        }
        finally
        {
            body?.Dispose();
        }

        static BodyRewrite Malformed(string message) => BodyRewrite.Invalid([new ErrorDetail("", message)]);
    }

    // The rewritten body goes through one writer per thread; one whose buffer grew past 64 KB is let go so a rare big
    // body is not kept.
    [ThreadStatic] private static CompatWriter? t_writer;

    private static byte[] Write(CompatObject body)
    {
        var writer = t_writer ??= new CompatWriter(2048);
        writer.Reset();
        body.WriteTo(writer);
        var bytes = writer.Written.ToArray();
        if (writer.Capacity > 64 * 1024)
        {
            t_writer = null;
        }

        return bytes;
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
