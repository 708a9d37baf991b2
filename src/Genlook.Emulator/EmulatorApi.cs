using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Genlook.Emulator;

/// <summary>The emulated Genlook v1 (1.4) endpoints, as the public docs (genlook-docs/) describe them.</summary>
internal sealed class EmulatorApi(EmulatorState state, IOptions<EmulatorOptions> options, ResultImages results, TimeProvider time)
{
    private const string AnonPrefix = "_anon_";
    private const int DefaultKeepForDays = 7;

    /// <summary>Lifetimes by creation path (breaking-changes-alpha-to-v1): inline 15 days, one-shot 7 days from last use.</summary>
    private const int InlineValidForDays = 15;
    private const int OneShotValidForDays = 7;

    private EmulatorOptions Options => options.Value;

    public static IResult Error(int status, string code, string message) => EmulatorErrors.Create(status, code, message);

    public IResult Upload(HttpContext context)
    {
        var form = Parsed(context);
        if (form.Malformed is { } malformed)
        {
            return EmulatorErrors.Validation("", malformed);
        }

        if (Options.Strict && LegacyShapes.FindInUploadForm(form) is { Count: > 0 } legacy)
        {
            return EmulatorErrors.Validation(legacy);
        }

        var file = form.Parts.Find(p => p.FileName is not null && p.Name == "file");
        if (file is null)
        {
            return Error(400, "FILE_REQUIRED", "POST /images/upload needs a multipart 'file' field.");
        }

        if (file.Length > ParsedRequest.MaxFileBytes)
        {
            return Error(413, "FILE_TOO_LARGE", "The file exceeds 10 MB.");
        }

        var extension = ImageType(file.Head);
        if (!Options.Instant)
        {
            if (file.Length < 8)
            {
                return Error(400, "INVALID_IMAGE", "The uploaded bytes are too small to be an image.");
            }

            if (extension is null)
            {
                return Error(400, "UNSUPPORTED_IMAGE_TYPE", "The uploaded file isn't JPEG, PNG, WebP, or HEIC.");
            }
        }

        if (form.Field("crop") is not (null or "true" or "false"))
        {
            return EmulatorErrors.Validation("crop", "Expected 'true' or 'false'.");
        }

        var keep = form.Field("keepForDays") ?? (Options.Strict ? null : form.Field("retentionDays"));
        var days = DefaultKeepForDays;
        if (keep is not null && (!int.TryParse(keep, NumberStyles.None, CultureInfo.InvariantCulture, out days) || !IsKeepForDays(days)))
        {
            return EmulatorErrors.Validation("keepForDays", "Expected one of 1, 3, 7.");
        }

        var externalUserId = form.Field("externalUserId") ?? (Options.Strict ? null : form.Field("customerId"));
        var now = time.GetUtcNow();
        var imageId = string.Create(CultureInfo.InvariantCulture, $"retention-{days}d/acc_emu/customer/{now:yyyyMMdd}-{Hex(6)}.{extension ?? "jpeg"}");
        AccountOf(context).Uploads[imageId] = new StoredUpload(externalUserId, now.AddDays(days));
        return EmulatorJson.Ok(new UploadResponse(imageId));
    }

    public IResult TryOn(HttpContext context)
    {
        var account = AccountOf(context);
        var request = Parsed(context);
        if (ReadBody(request, out var bodyError) is not { } body)
        {
            return bodyError!;
        }

        if (Options.Strict)
        {
            if (LegacyShapes.FindInTryOn(body) is { Count: > 0 } legacy)
            {
                return EmulatorErrors.Validation(legacy);
            }
        }
        else
        {
            LegacyShapes.UpgradeTryOn(body);
        }

        if (request.Parts.Exists(p => p.FileName is not null && p.Length > ParsedRequest.MaxFileBytes))
        {
            return Error(413, "FILE_TOO_LARGE", "An image attachment exceeds 10 MB.");
        }

        if (body["products"] is not JsonArray { Count: 1 } products || products[0] is not JsonObject product)
        {
            return EmulatorErrors.Validation("products", "Expected an array with exactly one product.");
        }

        var problems = new List<(string Path, string Message)>();
        CheckProductFields(product, "products.0.", problems);
        if (body["externalUserId"] is { } user && user.GetValueKind() != JsonValueKind.String)
        {
            problems.Add(("externalUserId", "Expected string."));
        }

        CheckOutput(body["output"], problems);
        if (problems.Count > 0)
        {
            return EmulatorErrors.Validation(problems);
        }

        if (body["person"] is null)
        {
            return Error(400, "CUSTOMER_IMAGE_REQUIRED", "person is missing.");
        }

        if (PersonImageError(account, body["person"], request) is { } personError)
        {
            return personError;
        }

        if (ImagesError(product, request) is { } imageError)
        {
            return imageError;
        }

        var now = time.GetUtcNow();
        var externalId = (string?)product["externalId"];
        var inline = product.ContainsKey("images") || product.ContainsKey("title") || product.ContainsKey("description") || product.ContainsKey("validForDays");
        var exists = externalId is not null && TryGetLiveProduct(account, externalId, now, out _);
        if (externalId is null)
        {
            if (product["images"] is not JsonArray { Count: > 0 })
            {
                return Error(400, "PRODUCT_IMAGES_REQUIRED", "A one-shot product needs at least one image.");
            }

            externalId = AnonPrefix + Hex(8);
            Upsert(account, externalId, product, OneShotValidForDays, oneShot: true, now);
        }
        else if (externalId.StartsWith(AnonPrefix, StringComparison.Ordinal) && (inline || !exists))
        {
            // A one-shot's server id may be passed back by reference (the docs invite it), but never defined by a caller.
            return Error(409, "RESERVED_EXTERNAL_ID", "The _anon_ prefix is reserved for server-generated IDs.");
        }
        else if (!inline)
        {
            if (!exists)
            {
                return Error(404, "PRODUCT_NOT_FOUND", $"Product '{externalId}' not found.");
            }

            // A generation is a use: it restarts the product's lifetime.
            Touch(account, externalId, now);
        }
        else
        {
            if (!exists && product["images"] is not JsonArray { Count: > 0 })
            {
                return Error(400, "PRODUCT_IMAGES_REQUIRED", "Creating a product needs at least one image.");
            }

            Upsert(account, externalId, product, InlineValidForDays, oneShot: false, now);
        }

        // Offline nothing is downloaded; a dead product image host surfaces later, as Genlook's pipeline would report it.
        var failure = product["images"] is JsonArray images && images.Any(i => i is JsonObject entry && entry["source"] is JsonObject source && source["url"] is JsonValue u && !Reachable((string?)u))
            ? "PRODUCT_IMAGE_FETCH_FAILED"
            : null;
        var generationId = "gen_" + Hex(10);
        account.Generations[generationId] = new StoredGeneration(externalId, (string?)body["externalUserId"], now, failure);
        return EmulatorJson.Ok(new TryOnResponse(generationId, "PENDING", externalId));
    }

    public IResult Generation(HttpContext context, string id)
    {
        if (!AccountOf(context).Generations.TryGetValue(id, out var generation))
        {
            return Error(404, "GENERATION_NOT_FOUND", "Generation not found.");
        }

        var status = StatusOf(generation, time.GetUtcNow());
        string? resultUrl = null;
        if (status == "COMPLETED")
        {
            var baseUrl = Options.PublicBaseUrl ?? $"{context.Request.Scheme}://{context.Request.Host}";
            resultUrl = results.SignedUrl(baseUrl, id, Options.ResultUrlLifetime);
        }

        return EmulatorJson.Ok(new GenerationResponse(id, status, generation.ProductExternalId, EmulatorJson.Iso(generation.CreatedAt), resultUrl,
            status == "FAILED" ? generation.FailureCode : null,
            status == "FAILED" ? "A product image URL could not be downloaded." : null));
    }

    public IResult UpsertProduct(HttpContext context)
    {
        var account = AccountOf(context);
        var request = Parsed(context);
        if (ReadBody(request, out var bodyError) is not { } body)
        {
            return bodyError!;
        }

        if (Options.Strict)
        {
            if (LegacyShapes.FindInProduct(body) is { Count: > 0 } legacy)
            {
                return EmulatorErrors.Validation(legacy);
            }
        }
        else
        {
            LegacyShapes.UpgradeProduct(body);
        }

        if (body["externalId"] is not JsonValue idNode || idNode.GetValueKind() != JsonValueKind.String || ((string?)idNode)!.Length == 0)
        {
            return Error(400, "EXTERNAL_ID_REQUIRED", "POST /products needs an externalId.");
        }

        var externalId = (string)idNode!;
        if (externalId.StartsWith(AnonPrefix, StringComparison.Ordinal))
        {
            return Error(409, "RESERVED_EXTERNAL_ID", "The _anon_ prefix is reserved for server-generated IDs.");
        }

        var problems = new List<(string Path, string Message)>();
        CheckProductFields(body, "", problems);
        if (problems.Count > 0)
        {
            return EmulatorErrors.Validation(problems);
        }

        if (request.Parts.Exists(p => p.FileName is not null && p.Length > ParsedRequest.MaxFileBytes))
        {
            return Error(413, "FILE_TOO_LARGE", "An image attachment exceeds 10 MB.");
        }

        if (ImagesError(body, request) is { } imageError)
        {
            return imageError;
        }

        var now = time.GetUtcNow();
        if (!TryGetLiveProduct(account, externalId, now, out _) && body["images"] is not JsonArray { Count: > 0 })
        {
            return Error(400, "PRODUCT_IMAGES_REQUIRED", "Creating a product needs at least one image.");
        }

        // Kept forever unless the caller sets validForDays.
        return EmulatorJson.Ok(ProductResponse.From(Upsert(account, externalId, body, defaultValidForDays: null, oneShot: false, now)));
    }

    public IResult ListProducts(HttpContext context)
    {
        var now = time.GetUtcNow();
        var items = AccountOf(context).Products.Values.Where(p => !p.OneShot && IsLive(p, now)).OrderBy(p => p.ExternalId, StringComparer.Ordinal).Select(ProductResponse.From).ToArray();
        return EmulatorJson.Ok(new ProductListResponse(items, items.Length));
    }

    public IResult GetProduct(HttpContext context, string externalId) =>
        TryGetLiveProduct(AccountOf(context), externalId, time.GetUtcNow(), out var product)
            ? EmulatorJson.Ok(ProductResponse.From(product))
            : Error(404, "PRODUCT_NOT_FOUND", $"Product '{externalId}' not found.");

    public IResult ProductStats(HttpContext context, string externalId)
    {
        var account = AccountOf(context);
        var now = time.GetUtcNow();
        if (!TryGetLiveProduct(account, externalId, now, out _))
        {
            return Error(404, "PRODUCT_NOT_FOUND", $"Product '{externalId}' not found.");
        }

        int pending = 0, processing = 0, completed = 0, failed = 0;
        foreach (var generation in account.Generations.Values)
        {
            if (generation.ProductExternalId != externalId)
            {
                continue;
            }

            switch (StatusOf(generation, now))
            {
                case "PENDING": pending++; break;
                case "PROCESSING": processing++; break;
                case "COMPLETED": completed++; break;
                default: failed++; break;
            }
        }

        // Every emulated generation takes exactly the configured time, so the average is that time.
        var average = completed == 0 || Options.Instant ? 0 : (Options.PendingFor + Options.ProcessingFor).TotalSeconds;
        return EmulatorJson.Ok(new ProductStatsResponse(externalId, new StatusTotals(pending, processing, completed, failed), average));
    }

    public IResult DeleteProduct(HttpContext context, string externalId) =>
        AccountOf(context) is var account && TryGetLiveProduct(account, externalId, time.GetUtcNow(), out _) && account.Products.TryRemove(externalId, out _)
            ? Results.NoContent()
            : Error(404, "PRODUCT_NOT_FOUND", $"Product '{externalId}' not found.");

    public IResult DeleteCustomer(HttpContext context, string customerId)
    {
        state.DeleteCustomer(AccountOf(context), customerId);
        return Results.NoContent();
    }

    /// <summary>Answers like GCS: plain-text errors, 403 for a bad signature, 400 once expired, 404 when the object is gone.</summary>
    public IResult ResultImage(string file, string? date, string? expires, string? signature)
    {
        var generationId = file.EndsWith(".png", StringComparison.Ordinal) ? file[..^4] : file;
        return results.Check(generationId, date, expires, signature) switch
        {
            null when !state.GenerationExists(generationId) => Results.Text("NoSuchKey: The specified key does not exist.", "text/plain", statusCode: 404),
            null => Results.Bytes(ResultImages.Png, "image/png"),
            403 => Results.Text("SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.", "text/plain", statusCode: 403),
            var status => Results.Text("ExpiredToken: Invalid argument. Request has expired.", "text/plain", statusCode: status),
        };
    }

    private string StatusOf(StoredGeneration generation, DateTimeOffset now)
    {
        var age = now - generation.CreatedAt;
        return Options.Instant || age >= Options.PendingFor + Options.ProcessingFor
            ? (generation.FailureCode is null ? "COMPLETED" : "FAILED")
            : age >= Options.PendingFor ? "PROCESSING" : "PENDING";
    }

    /// <param name="defaultValidForDays">The lifetime of a new product whose body does not set one (fixed for one-shots).</param>
    private static StoredProduct Upsert(EmulatorAccount account, string externalId, JsonObject fields, int? defaultValidForDays, bool oneShot, DateTimeOffset now)
    {
        var title = fields.ContainsKey("title") ? (string?)fields["title"] : null;
        var description = fields.ContainsKey("description") ? (string?)fields["description"] : null;
        var images = fields["images"] is JsonArray array ? array.Select(ImageReference).ToArray() : null;
        var validForDays = oneShot || !fields.ContainsKey("validForDays")
            ? defaultValidForDays
            : fields["validForDays"] is JsonValue days ? days.GetValue<int>() : (int?)null;

        // POST /products merges over what is stored: a field left out keeps its value, an explicit null clears it
        // (validForDays: null promotes a product to "kept forever").
        return account.Products.AddOrUpdate(
            externalId,
            static (id, a) => new StoredProduct(id, a.title, a.description, a.images ?? [], a.validForDays, a.oneShot, a.now, a.now, a.now),
            static (_, existing, a) => existing with
            {
                Title = a.fields.ContainsKey("title") ? a.title : existing.Title,
                Description = a.fields.ContainsKey("description") ? a.description : existing.Description,
                Images = a.images ?? existing.Images,
                ValidForDays = a.fields.ContainsKey("validForDays") ? a.validForDays : existing.ValidForDays,
                UpdatedAt = a.now,
                LastUsedAt = a.now,
            },
            (fields, title, description, images, validForDays, oneShot, now));
    }

    /// <summary>
    /// The product, unless it does not exist or has outlived its <c>validForDays</c> since its last use; an expired one
    /// is dropped, so every route then answers <c>PRODUCT_NOT_FOUND</c> and an inline upsert creates it afresh.
    /// </summary>
    private static bool TryGetLiveProduct(EmulatorAccount account, string externalId, DateTimeOffset now, [NotNullWhen(true)] out StoredProduct? product)
    {
        if (account.Products.TryGetValue(externalId, out product))
        {
            if (IsLive(product, now))
            {
                return true;
            }

            account.Products.TryRemove(new KeyValuePair<string, StoredProduct>(externalId, product));
        }

        product = null;
        return false;
    }

    private static bool IsLive(StoredProduct product, DateTimeOffset now) =>
        product.ValidForDays is not { } days || now < product.LastUsedAt.AddDays(days);

    private static void Touch(EmulatorAccount account, string externalId, DateTimeOffset now)
    {
        while (account.Products.TryGetValue(externalId, out var product) &&
               !account.Products.TryUpdate(externalId, product with { LastUsedAt = now }, product))
        {
        }
    }

    /// <summary>URL images echo their URL; multipart ones get an opaque internal reference, as the docs describe.</summary>
    private static string ImageReference(JsonNode? image) =>
        image is JsonObject { } entry && entry["source"] is JsonObject source
            ? (string?)source["url"] ?? "gs://genlook-emulator/products/" + (string?)source["fileKey"]
            : string.Empty;

    /// <summary>The caller's account: each accepted key is an account of its own (the pipeline has checked the key).</summary>
    private EmulatorAccount AccountOf(HttpContext context) => state.Account(context.Request.Headers["x-api-key"].ToString());

    private static ParsedRequest Parsed(HttpContext context) => context.Features.Get<ParsedRequest>() ?? ParsedRequest.Empty;

    private static JsonObject? ReadBody(ParsedRequest request, out IResult? error)
    {
        error = null;
        if (!request.IsJson && !request.IsMultipart)
        {
            error = EmulatorErrors.Validation("", "Expected Content-Type application/json or multipart/form-data.");
            return null;
        }

        if (request.Malformed is { } malformed)
        {
            error = EmulatorErrors.Validation("", malformed);
            return null;
        }

        if (request.Json is null)
        {
            error = EmulatorErrors.Validation(request.IsMultipart ? "data" : "", request.IsMultipart ? "A multipart body needs a JSON 'data' field." : "Empty body.");
            return null;
        }

        try
        {
            if (JsonNode.Parse(request.Json) is JsonObject body)
            {
                return body;
            }

            error = EmulatorErrors.Validation("", "Expected a JSON object.");
        }
        catch (JsonException)
        {
            error = EmulatorErrors.Validation(request.IsMultipart ? "data" : "", "Malformed JSON.");
        }

        return null;
    }

    private static void CheckProductFields(JsonObject product, string prefix, List<(string Path, string Message)> problems)
    {
        if (product["externalId"] is { } id && (id.GetValueKind() != JsonValueKind.String || ((string?)id)!.Length == 0))
        {
            problems.Add((prefix + "externalId", "Expected non-empty string."));
        }

        foreach (var text in new[] { "title", "description" })
        {
            if (product[text] is { } value && value.GetValueKind() != JsonValueKind.String)
            {
                problems.Add((prefix + text, "Expected string, received " + Kind(value)));
            }
        }

        if (product["validForDays"] is { } days && (days is not JsonValue v || !v.TryGetValue<int>(out var n) || n < 1))
        {
            problems.Add((prefix + "validForDays", "Expected positive integer or null."));
        }

        if (product["images"] is { } images && images is not JsonArray)
        {
            problems.Add((prefix + "images", "Expected array, received " + Kind(images)));
        }
    }

    private static void CheckOutput(JsonNode? output, List<(string Path, string Message)> problems)
    {
        if (output is null)
        {
            return;
        }

        if (output is not JsonObject controls)
        {
            problems.Add(("output", "Expected object, received " + Kind(output)));
            return;
        }

        if (controls["watermark"] is { } watermark && watermark.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
        {
            problems.Add(("output.watermark", "Expected boolean, received " + Kind(watermark)));
        }

        if (controls["keepForDays"] is { } keep && (keep is not JsonValue v || !v.TryGetValue<int>(out var days) || !IsKeepForDays(days)))
        {
            problems.Add(("output.keepForDays", "Expected one of 1, 3, 7."));
        }
    }

    private IResult? PersonImageError(EmulatorAccount account, JsonNode? person, ParsedRequest request)
    {
        if (person is not JsonObject { } owner || owner["image"] is not JsonObject image || image["source"] is not JsonObject source)
        {
            return EmulatorErrors.Validation("person.image.source", "Required.");
        }

        var count = 0;
        foreach (var (name, value) in source)
        {
            if (name is "id" or "url" or "fileKey")
            {
                count++;
                if (value?.GetValueKind() != JsonValueKind.String)
                {
                    return EmulatorErrors.Validation("person.image.source." + name, "Expected string.");
                }
            }
        }

        if (count != 1)
        {
            return EmulatorErrors.Validation("person.image.source", "Exactly one of id, url, fileKey is required.");
        }

        if ((string?)source["id"] is { } id)
        {
            return account.Uploads.TryGetValue(id, out var upload) && upload.ExpiresAt > time.GetUtcNow()
                ? null
                : EmulatorErrors.Validation("person.image.source.id", "Unknown image id");
        }

        if ((string?)source["url"] is { } url)
        {
            return Reachable(url) ? null : Error(400, "CUSTOMER_IMAGE_FETCH_FAILED", "person.image.source.url could not be downloaded.");
        }

        var fileKey = (string?)source["fileKey"];
        return request.HasFile(fileKey) ? null : Error(400, "MULTIPART_FILE_NOT_FOUND", $"fileKey '{fileKey}' does not appear in the multipart payload.");
    }

    private static IResult? ImagesError(JsonObject product, ParsedRequest request)
    {
        if (product["images"] is not JsonArray images)
        {
            return null;
        }

        foreach (var image in images)
        {
            if (image is not JsonObject entry || entry["source"] is not JsonObject source ||
                source.Count(p => p.Key is "url" or "fileKey" && p.Value?.GetValueKind() == JsonValueKind.String) != 1 ||
                source.Count(p => p.Key is "url" or "fileKey") != 1)
            {
                return Error(400, "INVALID_IMAGE_INPUT", "An images[] entry needs exactly one of source.url or source.fileKey.");
            }

            if ((string?)source["fileKey"] is { } key && !request.HasFile(key))
            {
                return Error(400, "MULTIPART_FILE_NOT_FOUND", $"fileKey '{key}' does not appear in the multipart payload.");
            }
        }

        return null;
    }

    /// <summary>Offline nothing is fetched: hosts under <c>.invalid</c> (RFC 2606) or named <c>unreachable</c> fail, as a dead host would.</summary>
    private static bool Reachable(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
        !uri.Host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase) &&
        !uri.Host.Contains("unreachable", StringComparison.OrdinalIgnoreCase);

    private static bool IsKeepForDays(int days) => days is 1 or 3 or 7;

    private static string Kind(JsonNode node) => node.GetValueKind().ToString().ToLowerInvariant();

    private static string? ImageType(byte[] head) => head switch
    {
        [0xFF, 0xD8, 0xFF, ..] => "jpeg",
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] => "png",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "webp",
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'h' or (byte)'m', (byte)'e' or (byte)'i', ..] => "heic",
        _ => null,
    };

    private static string Hex(int bytes)
    {
        Span<byte> random = stackalloc byte[bytes];
        RandomNumberGenerator.Fill(random);
        return Convert.ToHexStringLower(random);
    }
}
