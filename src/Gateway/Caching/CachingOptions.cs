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
}
