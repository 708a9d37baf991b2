using System.Globalization;
using Genlook.Gateway.Observability;
using Genlook.Gateway.Proxy;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Compat;

/// <summary>
/// Tells apps and operators that a legacy shape arrived: RFC 9745 <c>Deprecation</c> (the earliest deprecation date of
/// the shapes rewritten) and <c>Link: &lt;migration guide&gt;; rel="deprecation"</c> on the response, a counter per row and
/// route (<c>gateway.compat.rewrites</c>), and a Debug log line without user data.
/// </summary>
internal sealed partial class CompatReporter(CompatMetrics metrics, IOptions<CompatOptions> options, ILogger<CompatReporter> logger)
{
    public void Report(HttpContext context, GatewayRoute route, IReadOnlyList<ICompatShape> applied)
    {
        var earliest = DateTimeOffset.MaxValue;
        foreach (var shape in applied)
        {
            metrics.Rewritten(shape, route);
            LogRewrite(logger, shape.Id, route.Id);
            earliest = shape.DeprecatedAt < earliest ? shape.DeprecatedAt : earliest;
        }

        GatewayTelemetry.TagRequestSpan("gateway.compat.rows", string.Join(",", applied.Select(s => s.Id)));
        var deprecation = "@" + earliest.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var link = $"<{options.Value.MigrationGuideUrl}>; rel=\"deprecation\"; type=\"text/html\"";
        context.Response.OnStarting(() =>
        {
            context.Response.Headers["Deprecation"] = deprecation;
            context.Response.Headers.Append("Link", link);
            return Task.CompletedTask;
        });
    }

    [LoggerMessage(5001, LogLevel.Debug, "Rewrote legacy shape {Row} on route {Route}.")]
    private static partial void LogRewrite(ILogger logger, string row, string route);
}

/// <summary>Configuration section <c>Compat</c>.</summary>
public sealed class CompatOptions
{
    public const string SectionName = "Compat";

    /// <summary>Where the <c>Link; rel="deprecation"</c> header points. Defaults to Genlook's changelog.</summary>
    [System.ComponentModel.DataAnnotations.Url(ErrorMessage = "Compat:MigrationGuideUrl must be an absolute URL, e.g. https://docs.example.com/migrate.")]
    public string MigrationGuideUrl { get; set; } = "https://docs.genlook.app/docs/changelog";
}
