using System.Text.Json.Nodes;

namespace Genlook.Emulator;

/// <summary>
/// Strict mode: every request shape Genlook deprecated before 1.4 (COMPAT.md L1–L13, the old upload form fields) is
/// refused with <c>400 VALIDATION_FAILED</c>, one detail per offending path. Tests use it to prove Genlook only ever
/// sees the current shape.
/// </summary>
internal static class StrictShapes
{
    private static readonly string[] LegacyTryOnMembers =
        ["productId", "externalProductId", "customerImageId", "customer", "product", "customerId", "useWatermark", "retentionDays"];

    private static readonly string[] LegacyProductMembers = ["imageUrls", "autoClassifyImages", "autoDetectImageRoles"];

    public static List<(string Path, string Message)> TryOn(JsonObject body)
    {
        var problems = LegacyTryOnMembers.Where(body.ContainsKey).Select(m => (m, "Deprecated field: not accepted in strict mode.")).ToList();
        if (body["products"] is JsonArray products)
        {
            for (var i = 0; i < products.Count; i++)
            {
                if (products[i] is JsonObject product)
                {
                    problems.AddRange(Product(product, $"products.{i}."));
                }
            }
        }

        return problems;
    }

    public static List<(string Path, string Message)> Product(JsonObject product, string prefix = "")
    {
        var problems = LegacyProductMembers.Where(product.ContainsKey).Select(m => (prefix + m, "Deprecated field: not accepted in strict mode.")).ToList();
        if (product["images"] is JsonArray images)
        {
            for (var i = 0; i < images.Count; i++)
            {
                if (images[i] is JsonObject image)
                {
                    foreach (var flat in new[] { "url", "fileKey" }.Where(image.ContainsKey))
                    {
                        problems.Add(($"{prefix}images.{i}.{flat}", "Deprecated flat image shape: use 'source'."));
                    }
                }
            }
        }

        return problems;
    }

    public static List<(string Path, string Message)> UploadForm(ParsedRequest form) =>
        new[] { "customerId", "retentionDays" }.Where(f => form.Field(f) is not null).Select(f => (f, "Deprecated form field: not accepted in strict mode.")).ToList();

    /// <summary>Non-strict mode: the old shapes are understood (roughly as Genlook did), so the emulator can stand in for old Genlook too.</summary>
    public static void Upgrade(JsonObject body)
    {
        if (body["product"] is { } single && !body.ContainsKey("products"))
        {
            body.Remove("product");
            body["products"] = new JsonArray(single);
        }

        foreach (var name in new[] { "productId", "externalProductId" })
        {
            if (body[name] is { } id && !body.ContainsKey("products"))
            {
                body.Remove(name);
                body["products"] = new JsonArray(new JsonObject { ["externalId"] = id.DeepClone() });
            }
        }

        JsonObject? source = null;
        if (body["customerImageId"] is { } imageId)
        {
            source = new JsonObject { ["id"] = imageId.DeepClone() };
        }
        else if (body["customer"] is JsonObject customer)
        {
            source = customer["source"] is JsonObject nested ? (JsonObject)nested.DeepClone()
                : customer["imageId"] is { } legacyId ? new JsonObject { ["id"] = legacyId.DeepClone() }
                : (JsonObject)customer.DeepClone();
        }

        if (source is not null && !body.ContainsKey("person"))
        {
            body["person"] = new JsonObject { ["image"] = new JsonObject { ["source"] = source } };
        }

        if (body["products"] is JsonArray products)
        {
            foreach (var product in products.OfType<JsonObject>())
            {
                if (product["imageUrls"] is JsonArray urls && !product.ContainsKey("images"))
                {
                    product["images"] = new JsonArray(urls.Select(u => (JsonNode)new JsonObject { ["source"] = new JsonObject { ["url"] = u?.DeepClone() } }).ToArray());
                }

                if (product["images"] is JsonArray images)
                {
                    foreach (var image in images.OfType<JsonObject>())
                    {
                        foreach (var flat in new[] { "url", "fileKey" })
                        {
                            if (image[flat] is { } value && !image.ContainsKey("source"))
                            {
                                image.Remove(flat);
                                image["source"] = new JsonObject { [flat] = value.DeepClone() };
                            }
                        }
                    }
                }
            }
        }
    }
}
