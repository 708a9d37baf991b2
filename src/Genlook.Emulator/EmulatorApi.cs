using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Genlook.Emulator;

/// <summary>The emulated Genlook v1 (1.4) endpoints, faithful to the public docs (genlook-docs/).</summary>
internal sealed class EmulatorApi(EmulatorState state, IOptions<EmulatorOptions> options, ResultImages results, TimeProvider time)
{
    private static readonly int[] RetentionDays = [1, 3, 7];
    private EmulatorOptions Options => options.Value;

    public IResult Upload(HttpContext context)
    {
        var form = Parsed(context);
        if (!form.IsMultipart)
        {
            return Validation(("Content-Type", "Expected multipart/form-data."));
        }

        if (form.Malformed is { } malformed)
        {
            return Validation(("", malformed));
        }

        if (Options.Strict && StrictShapes.UploadForm(form) is { Count: > 0 } legacy)
        {
            return EmulatorException.Validation([.. legacy]).ToResult();
        }

        var file = form.Parts.FirstOrDefault(p => p.FileName is not null && p.Name == "file");
        if (file is null)
        {
            return Error(400, "FILE_REQUIRED", "POST /images/upload needs a 'file' part.");
        }

        if (file.Length > ParsedRequest.MaxFileBytes)
        {
            return Error(413, "FILE_TOO_LARGE", "The file exceeds 10 MB.");
        }

        var extension = "jpeg";
        if (!Options.Instant)
        {
            if (file.Length < 8)
            {
                return Error(400, "INVALID_IMAGE", "The uploaded bytes are too small to be an image.");
            }

            if (ImageType(file.Head) is not { } detected)
            {
                return Error(400, "UNSUPPORTED_IMAGE_TYPE", "The uploaded file isn't JPEG, PNG, WebP, or HEIC.");
            }

            extension = detected;
        }

        var crop = form.Field("crop");
        if (crop is not (null or "true" or "false"))
        {
            return Validation(("crop", "Expected 'true' or 'false'."));
        }

        var keep = form.Field("keepForDays") ?? (Options.Strict ? null : form.Field("retentionDays"));
        var days = 7;
        if (keep is not null && (!int.TryParse(keep, CultureInfo.InvariantCulture, out days) || !RetentionDays.Contains(days)))
        {
            return Validation(("keepForDays", "Expected one of 1, 3, 7."));
        }

        var externalUserId = form.Field("externalUserId") ?? (Options.Strict ? null : form.Field("customerId"));
        var imageId = $"retention-{days}d/acc_emu/customer/{time.GetUtcNow():yyyyMMdd}-{Hex(6)}.{extension}";
        state.Uploads[imageId] = new StoredUpload(externalUserId, time.GetUtcNow().AddDays(days));
        return Results.Json(new { imageId });
    }

    public IResult TryOn(HttpContext context)
    {
        var request = Parsed(context);
        if (ReadBody(request) is not { } body)
        {
            return BodyError(request);
        }

        if (Options.Strict)
        {
            if (StrictShapes.TryOn(body) is { Count: > 0 } legacy)
            {
                return EmulatorException.Validation([.. legacy]).ToResult();
            }
        }
        else
        {
            StrictShapes.Upgrade(body);
        }

        if (request.Parts.FirstOrDefault(p => p.FileName is not null && p.Length > ParsedRequest.MaxFileBytes) is not null)
        {
            return Error(413, "FILE_TOO_LARGE", "An image attachment exceeds 10 MB.");
        }

        if (body["products"] is not JsonArray { Count: 1 } products || products[0] is not JsonObject product)
        {
            return Validation(("products", "Expected an array with exactly one product."));
        }

        if (body["externalUserId"] is { } user && user.GetValueKind() != JsonValueKind.String)
        {
            return Validation(("externalUserId", "Expected a string."));
        }

        if (OutputError(body["output"]) is { } outputError)
        {
            return outputError;
        }

        if (body["person"] is not JsonObject person)
        {
            return Error(400, "CUSTOMER_IMAGE_REQUIRED", "person is missing.");
        }

        if (person["image"]?["source"] is not JsonObject source || source.Count(p => p.Key is "id" or "url" or "fileKey") != 1)
        {
            return Validation(("person.image.source", "Exactly one of id, url, fileKey is required."));
        }

        if (source["id"] is { } id)
        {
            if (id.GetValueKind() != JsonValueKind.String || !state.Uploads.TryGetValue(id.GetValue<string>(), out var upload) || upload.ExpiresAt < time.GetUtcNow())
            {
                return Validation(("person.image.source.id", "Unknown image id."));
            }
        }
        else if (source["url"] is { } url)
        {
            if (!Reachable(url.ToString()))
            {
                return Error(400, "CUSTOMER_IMAGE_FETCH_FAILED", "person.image.source.url could not be downloaded.");
            }
        }
        else if (!HasFile(request, source["fileKey"]?.ToString()))
        {
            return Error(400, "MULTIPART_FILE_NOT_FOUND", $"fileKey '{source["fileKey"]}' does not appear in the multipart payload.");
        }

        var imageError = ImagesError(product, "products.0.", request);
        if (imageError is not null)
        {
            return imageError;
        }

        var externalId = product["externalId"]?.ToString();
        var inline = product.ContainsKey("images") || product.ContainsKey("title") || product.ContainsKey("description");
        if (externalId is null)
        {
            if (product["images"] is not JsonArray { Count: > 0 })
            {
                return Error(400, "PRODUCT_IMAGES_REQUIRED", "A one-shot product needs at least one image.");
            }

            externalId = "_anon_" + Hex(8);
            Upsert(externalId, product, oneShot: true);
        }
        else if (externalId.StartsWith("_anon_", StringComparison.Ordinal) && (inline || !state.Products.ContainsKey(externalId)))
        {
            return Error(409, "RESERVED_EXTERNAL_ID", "The _anon_ prefix is reserved for server-generated IDs.");
        }
        else if (!inline)
        {
            if (!state.Products.ContainsKey(externalId))
            {
                return Error(404, "PRODUCT_NOT_FOUND", $"Product '{externalId}' not found.");
            }
        }
        else
        {
            if (!state.Products.ContainsKey(externalId) && product["images"] is not JsonArray { Count: > 0 })
            {
                return Error(400, "PRODUCT_IMAGES_REQUIRED", "Creating a product needs at least one image.");
            }

            Upsert(externalId, product, oneShot: false);
        }

        var unreachable = product["images"] is JsonArray images && images.OfType<JsonObject>().Any(i => i["source"]?["url"] is { } u && !Reachable(u.ToString()));
        var generationId = "gen_" + Hex(10);
        state.Generations[generationId] = new StoredGeneration(externalId, body["externalUserId"]?.ToString(), time.GetUtcNow(), unreachable ? "PRODUCT_IMAGE_FETCH_FAILED" : null);
        return Results.Json(new { generationId, status = "PENDING", productExternalId = externalId });
    }

    public IResult Generation(HttpContext context, string id)
    {
        if (!state.Generations.TryGetValue(id, out var generation))
        {
            return Error(404, "GENERATION_NOT_FOUND", "Generation not found.");
        }

        var age = time.GetUtcNow() - generation.CreatedAt;
        var status = Options.Instant || age >= Options.PendingFor + Options.ProcessingFor
            ? (generation.FailureCode is null ? "COMPLETED" : "FAILED")
            : age >= Options.PendingFor ? "PROCESSING" : "PENDING";
        var body = new JsonObject
        {
            ["generationId"] = id,
            ["status"] = status,
            ["productExternalId"] = generation.ProductExternalId,
            ["createdAt"] = generation.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        };
        if (status == "COMPLETED")
        {
            var baseUrl = Options.PublicBaseUrl ?? $"{context.Request.Scheme}://{context.Request.Host}";
            body["resultImageUrl"] = results.SignedUrl(baseUrl, id, Options.ResultUrlLifetime);
        }
        else if (status == "FAILED")
        {
            body["errorCode"] = generation.FailureCode;
            body["errorMessage"] = "A product image URL could not be downloaded.";
        }

        return Results.Content(body.ToJsonString(), "application/json; charset=utf-8");
    }

    public IResult UpsertProduct(HttpContext context)
    {
        var request = Parsed(context);
        if (ReadBody(request) is not { } body)
        {
            return BodyError(request);
        }

        if (Options.Strict && StrictShapes.Product(body) is { Count: > 0 } legacy)
        {
            return EmulatorException.Validation([.. legacy]).ToResult();
        }

        if (body["externalId"] is not { } idNode || idNode.GetValueKind() != JsonValueKind.String || idNode.GetValue<string>().Length == 0)
        {
            return Error(400, "EXTERNAL_ID_REQUIRED", "POST /products needs an externalId.");
        }

        var externalId = idNode.GetValue<string>();
        if (externalId.StartsWith("_anon_", StringComparison.Ordinal))
        {
            return Error(409, "RESERVED_EXTERNAL_ID", "The _anon_ prefix is reserved for server-generated IDs.");
        }

        if (ImagesError(body, "", request) is { } imageError)
        {
            return imageError;
        }

        if (!state.Products.ContainsKey(externalId) && body["images"] is not JsonArray { Count: > 0 } && body["imageUrls"] is not JsonArray { Count: > 0 })
        {
            return Error(400, "PRODUCT_IMAGES_REQUIRED", "Creating a product needs at least one image.");
        }

        if (!Options.Strict && body["imageUrls"] is JsonArray urls && !body.ContainsKey("images"))
        {
            body["images"] = new JsonArray(urls.Select(u => (JsonNode)new JsonObject { ["source"] = new JsonObject { ["url"] = u?.DeepClone() } }).ToArray());
        }

        return Results.Content(ProductJson(Upsert(externalId, body, oneShot: false)).ToJsonString(), "application/json; charset=utf-8");
    }

    public IResult ListProducts() =>
        Results.Content(new JsonObject
        {
            ["items"] = new JsonArray(state.Products.Values.Where(p => !p.OneShot).OrderBy(p => p.ExternalId, StringComparer.Ordinal).Select(p => (JsonNode)ProductJson(p)).ToArray()),
            ["total"] = state.Products.Values.Count(p => !p.OneShot),
        }.ToJsonString(), "application/json; charset=utf-8");

    public IResult GetProduct(string externalId) =>
        state.Products.TryGetValue(externalId, out var product)
            ? Results.Content(ProductJson(product).ToJsonString(), "application/json; charset=utf-8")
            : Error(404, "PRODUCT_NOT_FOUND", $"Product '{externalId}' not found.");

    public IResult ProductStats(string externalId)
    {
        if (!state.Products.ContainsKey(externalId))
        {
            return Error(404, "PRODUCT_NOT_FOUND", $"Product '{externalId}' not found.");
        }

        var generations = state.Generations.Values.Where(g => g.ProductExternalId == externalId).ToList();
        var done = Options.PendingFor + Options.ProcessingFor;
        var now = time.GetUtcNow();
        int Count(Func<StoredGeneration, bool> predicate) => generations.Count(predicate);
        return Results.Json(new
        {
            externalId,
            totals = new
            {
                pending = Count(g => !Options.Instant && now - g.CreatedAt < Options.PendingFor),
                processing = Count(g => !Options.Instant && now - g.CreatedAt >= Options.PendingFor && now - g.CreatedAt < done),
                completed = Count(g => (Options.Instant || now - g.CreatedAt >= done) && g.FailureCode is null),
                failed = Count(g => (Options.Instant || now - g.CreatedAt >= done) && g.FailureCode is not null),
            },
            averageGenerationSeconds = generations.Count == 0 ? 0 : done.TotalSeconds,
        });
    }

    public IResult DeleteProduct(string externalId) =>
        state.Products.TryRemove(externalId, out _) ? Results.NoContent() : Error(404, "PRODUCT_NOT_FOUND", $"Product '{externalId}' not found.");

    public IResult DeleteCustomer(string customerId)
    {
        state.DeleteCustomer(customerId);
        return Results.NoContent();
    }

    public IResult ResultImage(string file, string? date, string? expires, string? signature)
    {
        var generationId = file.EndsWith(".png", StringComparison.Ordinal) ? file[..^4] : file;
        return results.Check(generationId, date, expires, signature) switch
        {
            null => Results.Bytes(ResultImages.Png, "image/png"),
            var status => Results.Content(status == 403 ? "SignatureDoesNotMatch" : "ExpiredToken: Request has expired", "text/plain", statusCode: status),
        };
    }

    internal static IResult Error(int status, string code, string message) => EmulatorException.ToResult(status, code, message);

    private static IResult Validation(params (string Path, string Message)[] details) => EmulatorException.Validation(details).ToResult();

    private static ParsedRequest Parsed(HttpContext context) => context.Features.Get<ParsedRequest>()!;

    private static JsonObject? ReadBody(ParsedRequest request)
    {
        if (request.Malformed is not null || request.Json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(request.Json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult BodyError(ParsedRequest request) =>
        !request.IsJson && !request.IsMultipart ? Validation(("Content-Type", "Expected application/json or multipart/form-data."))
        : request.Malformed is { } malformed ? Validation(("", malformed))
        : request.IsMultipart && request.Json is null ? Validation(("data", "A multipart body needs a JSON 'data' field."))
        : Validation(("", "Malformed JSON."));

    private static IResult? OutputError(JsonNode? output)
    {
        if (output is null)
        {
            return null;
        }

        if (output is not JsonObject controls)
        {
            return Validation(("output", "Expected an object."));
        }

        if (controls["watermark"] is { } watermark && watermark.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            return Validation(("output.watermark", "Expected a boolean."));
        }

        if (controls["keepForDays"] is { } keep && (keep.GetValueKind() != JsonValueKind.Number || !RetentionDays.Contains(keep.GetValue<int>())))
        {
            return Validation(("output.keepForDays", "Expected one of 1, 3, 7."));
        }

        return null;
    }

    private static IResult? ImagesError(JsonObject product, string prefix, ParsedRequest request)
    {
        if (product["images"] is null)
        {
            return null;
        }

        if (product["images"] is not JsonArray images)
        {
            return Validation((prefix + "images", "Expected an array."));
        }

        foreach (var image in images)
        {
            if (image?["source"] is not JsonObject source || source.Count(p => p.Key is "url" or "fileKey") != 1)
            {
                return Error(400, "INVALID_IMAGE_INPUT", "An images[] entry needs exactly one of source.url or source.fileKey.");
            }

            if (source["fileKey"] is { } key && !HasFile(request, key.ToString()))
            {
                return Error(400, "MULTIPART_FILE_NOT_FOUND", $"fileKey '{key}' does not appear in the multipart payload.");
            }
        }

        return null;
    }

    private StoredProduct Upsert(string externalId, JsonObject fields, bool oneShot)
    {
        var now = time.GetUtcNow();
        var product = state.Products.GetOrAdd(externalId, id => new StoredProduct { ExternalId = id, CreatedAt = now, OneShot = oneShot, ValidForDays = oneShot ? 7 : null });
        lock (product)
        {
            product.Title = fields["title"]?.ToString() ?? product.Title;
            product.Description = fields["description"]?.ToString() ?? product.Description;
            if (fields["images"] is JsonArray images)
            {
                product.Images = images.Select(i => i?["source"]?["url"]?.ToString() ?? "multipart:" + i?["source"]?["fileKey"]).ToList();
            }

            if (fields.ContainsKey("validForDays"))
            {
                product.ValidForDays = fields["validForDays"] is JsonValue v && v.TryGetValue<int>(out var days) ? days : null;
            }

            product.UpdatedAt = now;
        }

        return product;
    }

    private static JsonObject ProductJson(StoredProduct product) => new()
    {
        ["externalId"] = product.ExternalId,
        ["title"] = product.Title,
        ["description"] = product.Description,
        ["images"] = new JsonArray(product.Images.Select((url, i) => (JsonNode)new JsonObject { ["sourceUrl"] = url, ["order"] = i }).ToArray()),
        ["validForDays"] = product.ValidForDays,
        ["createdAt"] = product.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        ["updatedAt"] = product.UpdatedAt.ToString("O", CultureInfo.InvariantCulture),
    };

    private static bool HasFile(ParsedRequest request, string? key) =>
        key is not null && request.Parts.Any(p => p.FileName is not null && p.Name == key);

    /// <summary>Offline, nothing is downloaded: hosts under <c>.invalid</c> or named <c>unreachable</c> fail, as a dead host would.</summary>
    private static bool Reachable(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && !uri.Host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase) &&
        !uri.Host.Contains("unreachable", StringComparison.OrdinalIgnoreCase);

    private static string? ImageType(byte[] head) => head switch
    {
        [0xFF, 0xD8, 0xFF, ..] => "jpeg",
        [0x89, 0x50, 0x4E, 0x47, ..] => "png",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "webp",
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'h' or (byte)'m', (byte)'e' or (byte)'i', ..] => "heic",
        _ => null,
    };

    private static string Hex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));
}
