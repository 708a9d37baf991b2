namespace Genlook.Emulator;

/// <summary>How the emulator behaves (configuration section <c>Emulator</c> when run on its own).</summary>
public sealed class EmulatorOptions
{
    /// <summary>Accepted <c>x-api-key</c> values, each the key of an account of its own (own uploads, catalog, generations). Defaults to <c>gk_dev_emulator</c>.</summary>
    public List<string> ApiKeys { get; set; } = ["gk_dev_emulator"];

    /// <summary>Reject every deprecated (pre-1.4) request shape with <c>400 VALIDATION_FAILED</c>. Defaults to <c>true</c>.</summary>
    public bool Strict { get; set; } = true;

    /// <summary>How long a new generation stays <c>PENDING</c>. Defaults to 1 second.</summary>
    public TimeSpan PendingFor { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long it then stays <c>PROCESSING</c> before <c>COMPLETED</c>. Defaults to 2 seconds.</summary>
    public TimeSpan ProcessingFor { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Validity of the signed result URL (<c>X-Goog-Expires</c>). Defaults to 15 minutes.</summary>
    public TimeSpan ResultUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Benchmarks: generations complete at once and uploads are not hashed for the request log.</summary>
    public bool Instant { get; set; }

    /// <summary>Base of result image URLs. Defaults to the request's own scheme and host.</summary>
    public string? PublicBaseUrl { get; set; }
}
