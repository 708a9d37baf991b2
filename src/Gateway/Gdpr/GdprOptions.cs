using System.ComponentModel.DataAnnotations;

namespace Genlook.Gateway.Gdpr;

/// <summary>Configuration section <c>Gdpr</c>: how erase jobs are retried and kept.</summary>
public sealed class GdprOptions
{
    public const string SectionName = "Gdpr";

    /// <summary>
    /// Scale of the retry delays of a failed target: the n-th delay is uniform in [0, min(<see cref="MaxRetryDelay"/>, this·2^(n-1)))
    /// (full jitter). Defaults to 2 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Gdpr:RetryBaseDelay must be between {1} and {2}.")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Cap of the delay between two attempts at one target. Defaults to 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = "Gdpr:MaxRetryDelay must be between {1} and {2}.")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts per target before the job is marked failed (operators alert on it). Defaults to 50 (with the default delays, about 2 hours on average and at most 3.6 hours).</summary>
    [Range(1, 10_000, ErrorMessage = "Gdpr:MaxAttempts must be between {1} and {2}.")]
    public int MaxAttempts { get; set; } = 50;

    /// <summary>How long a finished job record is kept for audit (it holds the pseudonym, never the subject). Defaults to 30 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Gdpr:AuditRetention must be between {1} and {2}.")]
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often each instance's worker looks for work. Defaults to 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00", ErrorMessage = "Gdpr:PollInterval must be between {1} and {2}.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A job not touched for this long (its instance died) is taken over by another instance; the lock of a job being
    /// worked is renewed every third of this. Defaults to 30 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00", ErrorMessage = "Gdpr:ClaimIdleTime must be between {1} and {2}.")]
    public TimeSpan ClaimIdleTime { get; set; } = TimeSpan.FromSeconds(30);
}
