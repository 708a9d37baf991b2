using System.Text.Json.Serialization;

namespace Genlook.Gateway.Idempotency;

/// <summary>
/// What the store keeps for one <c>Idempotency-Key</c> of one user: in flight, or the response to replay. An in-flight
/// marker carries a random <see cref="Owner"/>, so that only the attempt that set it can release it.
/// </summary>
internal sealed record IdempotencyRecord(
    [property: JsonPropertyName("f")] string Fingerprint,
    [property: JsonPropertyName("d")] bool Done,
    [property: JsonPropertyName("s")] int Status = 0,
    [property: JsonPropertyName("t")] string? ContentType = null,
    [property: JsonPropertyName("b")] byte[]? Body = null,
    [property: JsonPropertyName("o")] string? Owner = null);

[JsonSerializable(typeof(IdempotencyRecord))]
internal sealed partial class IdempotencyJsonContext : JsonSerializerContext;
