using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat;

/// <summary>Where a legacy shape lives.</summary>
public enum CompatSurface
{
    /// <summary>The top level of a try-on body (JSON, or the multipart <c>data</c> field).</summary>
    TryOn,

    /// <summary>
    /// A product object: each item of a try-on's <c>products</c>, its singular <c>product</c> (L7), and the body of
    /// <c>POST /products</c>.
    /// </summary>
    Product,

    /// <summary>Each item of a product's <c>images</c> (L12).</summary>
    ProductImage,
}

/// <summary>
/// One row of COMPAT.md, in the spirit of Stripe's version-change modules: it detects its legacy shape, rewrites it to
/// the next shape, and reports a conflict when the legacy and the current field are both present with different values.
/// Adding a row is adding a class and one line in <see cref="CompatRules.All"/>.
/// </summary>
internal interface ICompatRule : ICompatShape
{
    CompatSurface Surface { get; }

    /// <summary>
    /// The members of <see cref="Surface"/> that are this row's legacy shape by their name alone, whatever their value:
    /// the fast path (<c>JsonBodyScanner</c>) sends a body holding one of them to the rules. A member several rows read
    /// (<c>customer</c>, L4–L6) is listed by each.
    /// </summary>
    IReadOnlyList<string> LegacyNames { get; }

    /// <summary>
    /// The <see cref="LegacyNames"/> that, sent as <c>null</c>, are dropped and the row reported before
    /// <see cref="Rewrite"/> runs (see <see cref="CompatEngine"/>), so no rule moves, compares or converts a null. Rows
    /// that drop their members whatever the value and date them by the member (L13) list none; <c>customer</c> set to
    /// null is L6's alone.
    /// </summary>
    IReadOnlyList<string> DroppedWhenNull => LegacyNames;

    /// <summary>
    /// Rewrites the legacy shape in <paramref name="target"/> (found at <paramref name="path"/>, "" for the top level).
    /// Returns the shape rewritten, <c>null</c> when absent: the row itself, or for a row whose members Genlook removed on
    /// different dates (L13) the shape of the member found. Conflicts go to <paramref name="conflicts"/>, one per pair.
    /// </summary>
    ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts);
}

/// <summary>A deprecated request shape the gateway accepts: a JSON row, an upload form field, or a removed route.</summary>
public interface ICompatShape
{
    /// <summary>The COMPAT.md row, e.g. <c>L7</c>; the <c>compat.row</c> tag of the rewrite counter.</summary>
    string Id { get; }

    /// <summary>When Genlook deprecated the shape (from its changelog), for the RFC 9745 <c>Deprecation</c> header.</summary>
    DateTimeOffset DeprecatedAt { get; }
}

/// <summary>The shapes that are not JSON rows: the upload form's renamed fields and the removed PATCH route.</summary>
public sealed record CompatShape(string Id, DateTimeOffset DeprecatedAt) : ICompatShape
{
    /// <summary>Upload form field <c>customerId</c> (1.1) → <c>externalUserId</c> (then the pseudonym).</summary>
    public static readonly CompatShape UploadCustomerId = new("upload.customerId", Rules.GenlookReleases.V1_4);

    /// <summary>Upload form field <c>retentionDays</c> (1.1) → <c>keepForDays</c>.</summary>
    public static readonly CompatShape UploadRetentionDays = new("upload.retentionDays", Rules.GenlookReleases.V1_4);

    /// <summary><c>PATCH /products/{externalId}</c>, removed in 1.0 → <c>POST /products</c> with the id in the body.</summary>
    public static readonly CompatShape ProductPatch = new("route.patchProduct", Rules.GenlookReleases.V1_0);
}
