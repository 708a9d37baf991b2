using System.Text.Json.Nodes;

namespace Genlook.Emulator;

/// <summary>
/// The request shapes Genlook deprecated before 1.4 (COMPAT.md L1–L13 and the old upload form fields). Strict mode
/// refuses them, one <c>details</c> entry per offending path, so tests prove the gateway only ever forwards 1.4;
/// lenient mode upgrades them in place, roughly as Genlook does, so the emulator can also stand in for old callers.
/// </summary>
internal static class LegacyShapes
{
    private const string Deprecated = "Deprecated field: not accepted in strict mode.";

    private static readonly string[] TryOnMembers =
        ["productId", "externalProductId", "customerImageId", "customer", "product", "customerId", "useWatermark", "retentionDays"];

    private static readonly string[] ProductMembers = ["imageUrls", "autoClassifyImages", "autoDetectImageRoles"];

    private static readonly string[] FlatImageMembers = ["url", "fileKey"];

    private static readonly string[] UploadFields = ["customerId", "retentionDays"];

    public static List<(string Path, string Message)> FindInTryOn(JsonObject body)
    {
        var problems = new List<(string Path, string Message)>();
        foreach (var member in TryOnMembers)
        {
            if (body.ContainsKey(member))
            {
                problems.Add((member, Deprecated));
            }
        }

        if (body["products"] is JsonArray products)
        {
            for (var i = 0; i < products.Count; i++)
            {
                if (products[i] is JsonObject product)
                {
                    FindInProduct(product, $"products.{i}.", problems);
                }
            }
        }

        return problems;
    }

    public static List<(string Path, string Message)> FindInProduct(JsonObject product)
    {
        var problems = new List<(string Path, string Message)>();
        FindInProduct(product, string.Empty, problems);
        return problems;
    }

    public static List<(string Path, string Message)> FindInUploadForm(ParsedRequest form)
    {
        var problems = new List<(string Path, string Message)>();
        foreach (var field in UploadFields)
        {
            if (form.Field(field) is not null)
            {
                problems.Add((field, "Deprecated form field: not accepted in strict mode."));
            }
        }

        return problems;
    }

    /// <summary>Lenient mode: rewrites a try-on body to 1.4 (L1–L13). The current field wins where both are present.</summary>
    public static void UpgradeTryOn(JsonObject body)
    {
        // L7, then L1/L2.
        if (Take(body, "product") is { } single)
        {
            body["products"] ??= new JsonArray(single);
        }

        foreach (var name in new[] { "productId", "externalProductId" })
        {
            if (Take(body, name) is { } id)
            {
                body["products"] ??= new JsonArray(new JsonObject { ["externalId"] = id });
            }
        }

        // L3–L6.
        JsonNode? source = null;
        if (Take(body, "customerImageId") is { } imageId)
        {
            source = new JsonObject { ["id"] = imageId };
        }

        if (Take(body, "customer") is JsonObject customer)
        {
            source ??= customer["source"] is JsonObject nested ? nested.DeepClone()
                : customer["imageId"] is { } legacyId ? new JsonObject { ["id"] = legacyId.DeepClone() }
                : customer;
        }

        if (source is not null)
        {
            body["person"] ??= new JsonObject { ["image"] = new JsonObject { ["source"] = source } };
        }

        // L8–L10.
        if (Take(body, "customerId") is { } customerId)
        {
            body["externalUserId"] ??= customerId;
        }

        var watermark = Take(body, "useWatermark");
        var retention = Take(body, "retentionDays");
        if (watermark is not null || retention is not null)
        {
            var output = body["output"] as JsonObject ?? new JsonObject();
            if (watermark is not null)
            {
                output["watermark"] ??= watermark;
            }

            if (retention is not null)
            {
                output["keepForDays"] ??= retention;
            }

            body["output"] ??= output;
        }

        if (body["products"] is JsonArray products)
        {
            foreach (var product in products.OfType<JsonObject>())
            {
                UpgradeProduct(product);
            }
        }
    }

    /// <summary>Lenient mode: L11–L13 on one product (inside try-on or the body of <c>POST /products</c>).</summary>
    public static void UpgradeProduct(JsonObject product)
    {
        product.Remove("autoClassifyImages");
        product.Remove("autoDetectImageRoles");
        if (Take(product, "imageUrls") is JsonArray urls && !product.ContainsKey("images"))
        {
            var images = new JsonArray();
            foreach (var url in urls)
            {
                images.Add(new JsonObject { ["source"] = new JsonObject { ["url"] = url?.DeepClone() } });
            }

            product["images"] = images;
        }

        if (product["images"] is JsonArray entries)
        {
            foreach (var image in entries.OfType<JsonObject>())
            {
                foreach (var flat in FlatImageMembers)
                {
                    if (!image.ContainsKey("source") && Take(image, flat) is { } value)
                    {
                        image["source"] = new JsonObject { [flat] = value };
                    }
                }
            }
        }
    }

    private static void FindInProduct(JsonObject product, string prefix, List<(string Path, string Message)> problems)
    {
        foreach (var member in ProductMembers)
        {
            if (product.ContainsKey(member))
            {
                problems.Add((prefix + member, Deprecated));
            }
        }

        if (product["images"] is JsonArray images)
        {
            for (var i = 0; i < images.Count; i++)
            {
                if (images[i] is JsonObject image)
                {
                    foreach (var flat in FlatImageMembers)
                    {
                        if (image.ContainsKey(flat))
                        {
                            problems.Add(($"{prefix}images.{i}.{flat}", "Deprecated flat image shape: nest it under 'source'."));
                        }
                    }
                }
            }
        }
    }

    /// <summary>Removes a member and returns it detached, so it can be re-parented without cloning.</summary>
    private static JsonNode? Take(JsonObject owner, string name)
    {
        if (!owner.TryGetPropertyValue(name, out var value))
        {
            return null;
        }

        owner.Remove(name);
        return value;
    }
}
