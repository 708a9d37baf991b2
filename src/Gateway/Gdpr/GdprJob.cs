using System.Text.Json.Serialization;

namespace Genlook.Gateway.Gdpr;

/// <summary>
/// One erase job: the pseudonym to erase (never the raw subject), who asked (a pseudonym, so the user can read their own
/// job), and one entry per target: every Genlook account, and the gateway's own store.
/// </summary>
public sealed class GdprJob
{
    public const string StoreTarget = "gateway-store";

    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("status")]
    public GdprJobStatus Status { get; set; } = GdprJobStatus.Pending;

    [JsonPropertyName("createdAt")]
    public DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("completedAt")]
    public DateTimeOffset? CompletedAt { get; set; }

    [JsonPropertyName("targets")]
    public required List<GdprTarget> Targets { get; init; }

    /// <summary>The pseudonym being erased. Stored in the job record only; never returned, never logged.</summary>
    [JsonPropertyName("p")]
    public required string Pseudonym { get; init; }

    /// <summary>The pseudonym of whoever asked (the user themselves, or an admin).</summary>
    [JsonPropertyName("by")]
    public required string RequestedBy { get; init; }

    public static string GenlookTarget(string account) => "genlook:" + account;
}

public sealed class GdprTarget
{
    [JsonPropertyName("target")]
    public required string Name { get; init; }

    [JsonPropertyName("status")]
    public GdprJobStatus Status { get; set; } = GdprJobStatus.Pending;

    [JsonPropertyName("attempts")]
    public int Attempts { get; set; }

    [JsonPropertyName("lastError")]
    public string? LastError { get; set; }

    [JsonPropertyName("completedAt")]
    public DateTimeOffset? CompletedAt { get; set; }

    [JsonPropertyName("nextAttemptAt")]
    public DateTimeOffset? NextAttemptAt { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<GdprJobStatus>))]
public enum GdprJobStatus
{
    Pending,
    Retrying,
    Completed,
    Failed,
}

/// <summary>What <c>GET /gdpr/jobs/{jobId}</c> shows: the job without the pseudonyms.</summary>
public sealed record GdprJobView(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("status")] GdprJobStatus Status,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("completedAt")] DateTimeOffset? CompletedAt,
    [property: JsonPropertyName("targets")] IReadOnlyList<GdprTarget> Targets)
{
    public static GdprJobView From(GdprJob job) => new(job.JobId, job.Status, job.CreatedAt, job.CompletedAt, job.Targets);
}

public sealed record GdprAccepted(
    [property: JsonPropertyName("jobId")] string JobId,
    [property: JsonPropertyName("status")] GdprJobStatus Status);

[JsonSerializable(typeof(GdprJob))]
[JsonSerializable(typeof(GdprJobView))]
[JsonSerializable(typeof(GdprAccepted))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class GdprJsonContext : JsonSerializerContext;
