namespace Genlook.Gateway.Caching;

/// <summary>Configuration section <c>Caching</c> (CONTRACT §7).</summary>
public sealed class CachingOptions
{
    public const string SectionName = "Caching";

    /// <summary>Longest a <c>COMPLETED</c>/<c>FAILED</c> status is served from the cache; a signed result URL's own expiry cuts it shorter. Defaults to 10 minutes.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Caching:TerminalTtl must be between {1} and {2}.")]
    public TimeSpan TerminalTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a <c>PENDING</c>/<c>PROCESSING</c> status is served from the cache. Defaults to 1 second.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Caching:PendingTtl must be between {1} and {2}.")]
    public TimeSpan PendingTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A result URL is never handed out with less validity left than this. Defaults to 30 seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Caching:UrlSafetyMargin must be between {1} and {2}.")]
    public TimeSpan UrlSafetyMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often Genlook is asked about a watched generation, across every instance and watcher. Defaults to 1 second.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Caching:PollInterval must be between {1} and {2}.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most open watches (streams and held <c>Prefer: wait</c> requests) one user may hold across the cluster. Defaults to 10.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000, ErrorMessage = "Caching:MaxWatchesPerUser must be between {1} and {2}.")]
    public int MaxWatchesPerUser { get; set; } = 10;

    /// <summary>How often an idle watch stream sends a comment, so proxies do not close it. Defaults to 15 seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.050", "00:05:00", ErrorMessage = "Caching:WatchHeartbeat must be between {1} and {2}.")]
    public TimeSpan WatchHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The <c>retry:</c> hint a stream ends with at shutdown: when the app reconnects (to another instance). Defaults to 2 seconds.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Caching:WatchRetry must be between {1} and {2}.")]
    public TimeSpan WatchRetry { get; set; } = TimeSpan.FromSeconds(2);
}
