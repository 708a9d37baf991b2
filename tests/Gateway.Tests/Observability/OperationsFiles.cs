using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Observability;

/// <summary>The operations files as shipped: the Grafana dashboard's queries and the alerting rules.</summary>
internal static partial class OperationsFiles
{
    public const string Alerts = "deploy/observability/alerts.yaml";
    public const string AlertTests = "deploy/observability/alerts.test.yaml";
    public const string Dashboard = "deploy/observability/grafana-dashboard.json";
    public const string PrometheusRule = "deploy/k8s/monitoring/prometheusrule.yaml";
    public const string Runbooks = "docs/operating.md";

    /// <summary>Every query of every dashboard panel, with the panel's title.</summary>
    public static IReadOnlyList<(string Panel, string Expression)> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(RepositoryFiles.Read(Dashboard));
        return dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(panel => panel.TryGetProperty("targets", out _))
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray()
                .Select(target => (panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!)))
            .ToList();
    }

    /// <summary>The alerting rules of <c>alerts.yaml</c>, each as its YAML map.</summary>
    public static IReadOnlyList<Dictionary<object, object>> AlertRules() =>
        ((IList)((Dictionary<object, object>)RepositoryFiles.Yaml(Alerts)!)["groups"]).Cast<Dictionary<object, object>>()
            .SelectMany(group => ((IList)group["rules"]).Cast<Dictionary<object, object>>())
            .ToList();

    /// <summary><c>alerts.yaml</c> with every <c>for:</c> set to <paramref name="duration"/> (same expressions, a test's patience).</summary>
    public static string AlertsWithFor(string duration) => ForLine().Replace(RepositoryFiles.Read(Alerts), "${1}" + duration);

    [GeneratedRegex(@"^(\s+for:\s*)\S+[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex ForLine();
}
