using System.Text.Json.Serialization;

namespace Genlook.Gateway.Errors;

/// <summary>
/// An error the gateway answers itself, in Genlook's own shape (CONTRACT §4):
/// <c>{ "code", "message", "status", "details"? }</c>, with the HTTP status equal to <see cref="Status"/>.
/// </summary>
public sealed record GatewayError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("status")] int Status,
    [property: JsonPropertyName("details"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyList<ErrorDetail>? Details = null);

/// <summary>One offending field of a <c>VALIDATION_FAILED</c> error.</summary>
public sealed record ErrorDetail(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(GatewayError))]
internal sealed partial class GatewayErrorJsonContext : JsonSerializerContext;
