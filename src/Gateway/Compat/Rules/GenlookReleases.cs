namespace Genlook.Gateway.Compat.Rules;

/// <summary>Release dates from Genlook's changelog: when each legacy shape was deprecated (or removed).</summary>
internal static class GenlookReleases
{
    /// <summary>1.0.0, the first stable release: the alpha shapes are gone.</summary>
    public static readonly DateTimeOffset V1_0 = new(2026, 5, 12, 0, 0, 0, TimeSpan.Zero);

    /// <summary>1.2.0: <c>autoDetectImageRoles</c> removed (and <c>autoClassifyImages</c> added in its place).</summary>
    public static readonly DateTimeOffset V1_2 = new(2026, 5, 18, 0, 0, 0, TimeSpan.Zero);

    /// <summary>1.3.0: image references moved under <c>source</c>.</summary>
    public static readonly DateTimeOffset V1_3 = new(2026, 6, 17, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The changelog's second 1.3.0 entry, dated 2026-06-25: <c>autoClassifyImages</c> removed.</summary>
    public static readonly DateTimeOffset V1_3AutoClassifyImagesRemoved = new(2026, 6, 25, 0, 0, 0, TimeSpan.Zero);

    /// <summary>1.4.0: <c>products[]</c>, <c>person</c>, <c>externalUserId</c>, <c>output</c>.</summary>
    public static readonly DateTimeOffset V1_4 = new(2026, 6, 17, 0, 0, 0, TimeSpan.Zero);
}
