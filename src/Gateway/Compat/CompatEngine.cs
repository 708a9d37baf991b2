using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat;

/// <summary>
/// Runs the registered rules over a parsed body: the image rows on each product image, the product rows on each
/// product, then the try-on rows at the top level.
/// </summary>
internal sealed class CompatEngine
{
    private readonly ICompatRule[] _tryOnRules;
    private readonly ICompatRule[] _productRules;
    private readonly ICompatRule[] _imageRules;

    public CompatEngine(IEnumerable<ICompatRule> rules)
    {
        var all = rules.ToArray();
        _tryOnRules = all.Where(r => r.Surface == CompatSurface.TryOn).ToArray();
        _productRules = all.Where(r => r.Surface == CompatSurface.Product).ToArray();
        _imageRules = all.Where(r => r.Surface == CompatSurface.ProductImage).ToArray();
    }

    public List<ICompatShape> RewriteTryOn(JsonObject body, List<ErrorDetail> conflicts)
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
                if (products[i] is JsonObject product)
                {
                    ApplyProductRules(product, $"products.{i}", conflicts, applied);
                }
            }
        }

        // Reported in the order CompatRules lists the rows: the try-on rows go before the product rows found above.
        var tryOnRows = 0;
        foreach (var rule in _tryOnRules)
        {
            if (Apply(rule, body, "", conflicts) is { } shape)
            {
                applied.Insert(tryOnRows++, shape);
            }
        }

        return applied;
    }

    public List<ICompatShape> RewriteProduct(JsonObject product, string path, List<ErrorDetail> conflicts)
    {
        var applied = new List<ICompatShape>(2);
        ApplyProductRules(product, path, conflicts, applied);
        return applied;
    }

    // The image rows before the product rows, so that existing images are canonical when L11 compares them with
    // converted imageUrls.
    private void ApplyProductRules(JsonObject product, string path, List<ErrorDetail> conflicts, List<ICompatShape> applied)
    {
        if (_imageRules.Length > 0 && product.GetArray("images") is { } images)
        {
            for (var i = 0; i < images.Count; i++)
            {
                if (images[i] is JsonObject image)
                {
                    ApplyRules(_imageRules, image, CompatJson.Join(path, $"images.{i}"), conflicts, applied);
                }
            }
        }

        ApplyRules(_productRules, product, path, conflicts, applied);
    }

    private static void ApplyRules(ICompatRule[] rules, JsonObject target, string path, List<ErrorDetail> conflicts, List<ICompatShape> applied)
    {
        foreach (var rule in rules)
        {
            if (Apply(rule, target, path, conflicts) is { } shape)
            {
                AddOnce(applied, shape);
            }
        }
    }

    /// <summary>
    /// A legacy member sent as <c>null</c> (serializers such as Jackson and Newtonsoft write every field of an old
    /// model, unset ones as null) is treated as absent, for every row alike: dropped, so Genlook only sees 1.4, and
    /// never moved, compared (no conflict) or converted (no current field). The row is still reported: the app did
    /// send the deprecated field and must stop sending it, which is what the Deprecation header tells it, and the
    /// counter that says whether a row can be retired must count such apps too.
    /// </summary>
    private static ICompatShape? Apply(ICompatRule rule, JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        var sentNull = false;
        foreach (var name in rule.DroppedWhenNull)
        {
            if (target.TryGetPropertyValue(name, out var value) && value is null)
            {
                target.Remove(name);
                sentNull = true;
            }
        }

        return rule.Rewrite(target, path, conflicts) ?? (sentNull ? rule : null);
    }

    // A row is reported once however many products or images carry it. A row dated per member (L13) keeps the
    // earliest date it was found with, the one CompatReporter would give the Deprecation header anyway.
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
}
