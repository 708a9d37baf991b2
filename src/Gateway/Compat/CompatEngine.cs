using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat;

/// <summary>Runs the registered rules over a parsed body: the product rows on each product, then the try-on rows at the top level.</summary>
internal sealed class CompatEngine
{
    private readonly BoundRule[] _tryOnRules;
    private readonly BoundRule[] _productRules;

    public CompatEngine(IEnumerable<ICompatRule> rules)
    {
        var all = rules.ToArray();
        _tryOnRules = all.Where(r => r.Surface == CompatSurface.TryOn).Select(r => new BoundRule(r)).ToArray();
        _productRules = all.Where(r => r.Surface == CompatSurface.Product).Select(r => new BoundRule(r)).ToArray();
    }

    public List<ICompatShape> RewriteTryOn(CompatObject body, List<ErrorDetail> conflicts)
    {
        var applied = new List<ICompatShape>(8);

        // The product rows first, on each product where the app sent it, the singular product of L7 included: L7 then
        // compares product and products in the current shape (equal values sent in two generations of the product
        // shape are no conflict), and a conflict inside the singular product has the path the app sent.
        if (body.GetObject("product") is { } single)
        {
            ApplyProductRules(single, "product", conflicts, applied);
        }

        if (body.GetArray("products") is { } products)
        {
            for (var i = 0; i < products.Count; i++)
            {
                if (products.GetObject(i) is { } product)
                {
                    ApplyProductRules(product, ProductPath(i), conflicts, applied);
                }
            }
        }

        // Reported in the order CompatRules lists the rows: the try-on rows go before the product rows found above.
        var tryOnRows = 0;
        foreach (ref readonly var rule in _tryOnRules.AsSpan())
        {
            if (rule.Rewrite(body, "", conflicts) is { } shape)
            {
                applied.Insert(tryOnRows++, shape);
            }
        }

        return applied;
    }

    public List<ICompatShape> RewriteProduct(CompatObject product, string path, List<ErrorDetail> conflicts)
    {
        var applied = new List<ICompatShape>(2);
        ApplyProductRules(product, path, conflicts, applied);
        return applied;
    }

    // Paths are only read when a rule reports a conflict; the usual few are made once.
    private static readonly string[] ProductPaths = Enumerable.Range(0, 16).Select(i => $"products.{i}").ToArray();

    private static string ProductPath(int index) => index < ProductPaths.Length ? ProductPaths[index] : $"products.{index}";

    private void ApplyProductRules(CompatObject product, string path, List<ErrorDetail> conflicts, List<ICompatShape> applied)
    {
        foreach (ref readonly var rule in _productRules.AsSpan())
        {
            if (rule.Rewrite(product, path, conflicts) is { } shape)
            {
                AddOnce(applied, shape);
            }
        }
    }

    // A row is reported once however many products carry it. A row dated per member (L13) keeps the earliest date it
    // was found with, the one CompatReporter would give the Deprecation header anyway.
    private static void AddOnce(List<ICompatShape> applied, ICompatShape shape)
    {
        for (var i = 0; i < applied.Count; i++)
        {
            var existing = applied[i];
            if (ReferenceEquals(existing, shape))
            {
                return;
            }

            if (existing.Id == shape.Id)
            {
                applied[i] = shape.DeprecatedAt < existing.DeprecatedAt ? shape : existing;
                return;
            }
        }

        applied.Add(shape);
    }

    /// <summary>
    /// A rule with its rewrite bound once: a delegate call costs less than an interface call at a site that sees every
    /// rule type (measured: the runtime's stub for such calls was 1.6 % of a legacy rewrite).
    /// </summary>
    private readonly struct BoundRule(ICompatRule rule)
    {
        private readonly ICompatRule _rule = rule;
        private readonly string[] _legacyMembers = [.. rule.LegacyMembers];
        private readonly Func<CompatObject, string, List<ErrorDetail>, ICompatShape?> _rewrite = rule.Rewrite;

        /// <summary>
        /// A legacy member sent as <c>null</c> (serializers such as Jackson and Newtonsoft write every field of an old
        /// model, unset ones as null) is treated as absent, for every row alike: dropped, so Genlook only sees 1.4, and
        /// never moved, compared (no conflict) or converted (no current field). The row is still reported: the app did
        /// send the deprecated field and must stop sending it, which is what the Deprecation header tells it, and the
        /// counter that says whether a row can be retired must count such apps too.
        /// </summary>
        /// <remarks>Most bodies have no null at all: they go straight to the rule (a call this small is inlined).</remarks>
        public ICompatShape? Rewrite(CompatObject target, string path, List<ErrorDetail> conflicts) =>
            target.MayHoldNull && _legacyMembers.Length > 0 ? RewriteDroppingNulls(target, path, conflicts) : _rewrite(target, path, conflicts);

        private ICompatShape? RewriteDroppingNulls(CompatObject target, string path, List<ErrorDetail> conflicts)
        {
            var sentNull = false;
            foreach (var name in _legacyMembers)
            {
                sentNull |= target.RemoveNull(name);
            }

            return _rewrite(target, path, conflicts) ?? (sentNull ? _rule : null);
        }
    }
}
