using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Genlook.Emulator;

/// <summary>
/// Response bodies as records with the emulator's own serializer options, so the wire shape does not depend on the
/// JSON settings of whichever app maps the emulator.
/// </summary>
internal static class EmulatorJson
{
    // Relaxed escaping: Node writes '&' and '\'' raw, and signed URLs should read the same as Genlook's.
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JavaScript's <c>toISOString()</c>, which is what Genlook (a Node service) emits.</summary>
    public static string Iso(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static IResult Ok<T>(T body) => Results.Json(body, Options, "application/json; charset=utf-8");
}

internal sealed record UploadResponse(string ImageId);

internal sealed record TryOnResponse(string GenerationId, string Status, string ProductExternalId);

internal sealed record GenerationResponse(
    string GenerationId,
    string Status,
    string ProductExternalId,
    string CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResultImageUrl,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorCode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorMessage);

internal sealed record ProductImageResponse(string SourceUrl, int Order);

internal sealed record ProductResponse(
    string ExternalId, string? Title, string? Description, ProductImageResponse[] Images, int? ValidForDays, string CreatedAt, string UpdatedAt)
{
    public static ProductResponse From(StoredProduct product)
    {
        var images = new ProductImageResponse[product.Images.Count];
        for (var i = 0; i < images.Length; i++)
        {
            images[i] = new ProductImageResponse(product.Images[i], i);
        }

        return new ProductResponse(product.ExternalId, product.Title, product.Description, images, product.ValidForDays,
            EmulatorJson.Iso(product.CreatedAt), EmulatorJson.Iso(product.UpdatedAt));
    }
}

internal sealed record ProductListResponse(ProductResponse[] Items, int Total);

internal sealed record StatusTotals(int Pending, int Processing, int Completed, int Failed);

internal sealed record ProductStatsResponse(string ExternalId, StatusTotals Totals, double AverageGenerationSeconds);
