using System.Collections;
using System.Text;
using System.Text.Json;
using Genlook.Gateway.Tests.Infrastructure;
using Genlook.Gateway.Tests.Observability;

namespace Genlook.Gateway.Tests.Deploy;

/// <summary>
/// The operations files hang together: the Kubernetes PrometheusRule is alerts.yaml, every alert has a unit test and
/// a runbook, and the compose stack's Prometheus and Grafana load the files and scrape the port the gateways open.
/// (What the rules and queries compute is tested by promtool and against a real Prometheus.)
/// </summary>
public sealed class ObservabilityFilesTests
{
    private static Dictionary<object, object> Map(object? node) => Assert.IsType<Dictionary<object, object>>(node);

    private static IEnumerable<object> List(object? node) => Assert.IsType<List<object>>(node);

    [Fact]
    public void PrometheusRule_Groups_AreThoseOfAlertsYaml()
    {
        var alerts = Map(RepositoryFiles.Yaml(OperationsFiles.Alerts))["groups"];
        var rule = Map(RepositoryFiles.Yaml(OperationsFiles.PrometheusRule));

        Assert.Equal("PrometheusRule", rule["kind"]);
        Assert.True(Canonical(alerts) == Canonical(Map(rule["spec"])["groups"]),
            $"{OperationsFiles.PrometheusRule} must carry the groups of {OperationsFiles.Alerts} unchanged: copy them again");
    }

    [Fact]
    public void Alerts_Each_HasSeverityRunbookAndUnitTest()
    {
        var runbooks = RepositoryFiles.Read(OperationsFiles.Runbooks);
        var tested = List(Map(RepositoryFiles.Yaml(OperationsFiles.AlertTests))["tests"])
            .SelectMany(test => List(Map(test)["alert_rule_test"]))
            .Select(t => Map(t)["alertname"].ToString())
            .ToHashSet();

        var rules = OperationsFiles.AlertRules();
        Assert.NotEmpty(rules);
        foreach (var rule in rules)
        {
            var name = rule["alert"].ToString()!;
            Assert.Contains(Map(rule["labels"])["severity"].ToString(), new[] { "critical", "warning", "info" });
            Assert.EndsWith("/docs/operating.md#" + name.ToLowerInvariant(), Map(rule["annotations"])["runbook_url"].ToString(), StringComparison.Ordinal);
            Assert.True(runbooks.Contains($"\n### {name}\n", StringComparison.Ordinal), $"docs/operating.md has no runbook section '### {name}'");
            foreach (var part in new[] { "What it means", "What to check", "What to do" })
            {
                var section = runbooks[runbooks.IndexOf($"\n### {name}\n", StringComparison.Ordinal)..];
                var end = section.IndexOf("\n### ", 5, StringComparison.Ordinal);
                Assert.Contains($"**{part}**", end < 0 ? section : section[..end], StringComparison.Ordinal);
            }

            Assert.True(tested.Contains(name), $"alerts.test.yaml has no test of {name}");
        }
    }

    [Fact]
    public void MonitoringKustomization_ListsFilesThatParse_AndScrapesTheDeploymentsMetricsPort()
    {
        var kustomization = Map(RepositoryFiles.Yaml("deploy/k8s/monitoring/kustomization.yaml"));
        foreach (var resource in List(kustomization["resources"]).Select(r => r.ToString()!).Where(r => r.EndsWith(".yaml", StringComparison.Ordinal)))
        {
            Assert.NotNull(RepositoryFiles.Yaml(Path.Combine("deploy/k8s/monitoring", resource)));
        }

        var monitor = Map(RepositoryFiles.Yaml("deploy/k8s/monitoring/podmonitor.yaml"));
        var endpoint = Map(Assert.Single(List(Map(monitor["spec"])["podMetricsEndpoints"])));
        var container = Map(List(Map(Map(Map(Map(RepositoryFiles.Yaml("deploy/k8s/deployment.yaml"))["spec"])["template"])["spec"])["containers"]).First());
        var metricsPort = Map(Assert.Single(List(container["ports"]), p => Equals(Map(p)["name"], endpoint["port"])));
        var config = Map(Map(RepositoryFiles.Yaml("deploy/k8s/configmap.yaml"))["data"]);

        Assert.Equal("/metrics", endpoint["path"]);
        Assert.Equal(config["OpenTelemetry__Prometheus__Port"], metricsPort["containerPort"]);
        // The alerts' job label is the pods' app label.
        Assert.Equal("app", Map(monitor["spec"])["jobLabel"]);
        Assert.Contains("job=\"genlook-gateway\"", RepositoryFiles.Read(OperationsFiles.Alerts), StringComparison.Ordinal);
        Assert.DoesNotContain(List(Map(RepositoryFiles.Yaml("deploy/k8s/service.yaml"))["spec"] is Dictionary<object, object> service ? service["ports"] : null),
            p => Equals(Map(p)["targetPort"], endpoint["port"]));
    }

    [Fact]
    public void Compose_PrometheusAndGrafana_LoadTheShippedFilesAndScrapeTheGateways()
    {
        var services = Map(Map(RepositoryFiles.Yaml("docker-compose.yml"))["services"]);
        foreach (var name in new[] { "prometheus", "grafana" })
        {
            foreach (var volume in List(Map(services[name])["volumes"]).Select(v => v.ToString()!).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                Assert.True(File.Exists(RepositoryFiles.PathOf(volume[2..volume.IndexOf(':', StringComparison.Ordinal)])), $"compose {name} mounts a missing file: {volume}");
            }
        }

        var port = Map(Map(services["gateway-1"])["environment"])["OpenTelemetry__Prometheus__Port"].ToString();
        var prometheus = Map(RepositoryFiles.Yaml("deploy/observability/prometheus.yml"));
        var scrape = Map(Assert.Single(List(prometheus["scrape_configs"])));
        var targets = List(Map(Assert.Single(List(scrape["static_configs"])))["targets"]).Select(t => t.ToString()).ToList();

        Assert.Equal("genlook-gateway", scrape["job_name"]);
        Assert.Equal([$"gateway-1:{port}", $"gateway-2:{port}"], targets);
        Assert.Contains("alerts.yaml", List(prometheus["rule_files"]).Select(f => f.ToString()));

        var datasource = Map(Assert.Single(List(Map(RepositoryFiles.Yaml("deploy/observability/grafana/datasources.yaml"))["datasources"])));
        Assert.Equal("http://prometheus:9090", datasource["url"]);
    }

    [Fact]
    public void Dashboard_EveryPanel_QueriesTheChosenPrometheus()
    {
        using var dashboard = JsonDocument.Parse(RepositoryFiles.Read(OperationsFiles.Dashboard));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();

        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("title").GetString()).Distinct().Count());
        foreach (var panel in panels)
        {
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray());
        }

        Assert.Equal(panels.Sum(p => p.GetProperty("targets").GetArrayLength()), OperationsFiles.DashboardQueries().Count);
    }

    /// <summary>A YAML tree as one string: maps with sorted keys, lists in order, scalars as written.</summary>
    private static string Canonical(object? node)
    {
        var text = new StringBuilder();
        Write(node);
        return text.ToString();

        void Write(object? value)
        {
            switch (value)
            {
                case Dictionary<object, object> map:
                    text.Append('{');
                    foreach (var (key, item) in map.OrderBy(e => e.Key.ToString(), StringComparer.Ordinal))
                    {
                        text.Append(JsonSerializer.Serialize(key.ToString())).Append(':');
                        Write(item);
                        text.Append(',');
                    }

                    text.Append('}');
                    break;
                case IList list:
                    text.Append('[');
                    foreach (var item in list)
                    {
                        Write(item);
                        text.Append(',');
                    }

                    text.Append(']');
                    break;
                default:
                    text.Append(JsonSerializer.Serialize(value?.ToString()));
                    break;
            }
        }
    }
}
