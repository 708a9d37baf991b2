using System.Collections;
using System.Net;
using System.Reflection;
using Genlook.Gateway.Caching;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Gdpr;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Genlook.Gateway.Tests.Deploy;

/// <summary>
/// No Docker engine or cluster runs here, so the deployment files are checked for what can be checked: they parse,
/// every configuration key they set is one the gateway binds, and the probes point at real endpoints.
/// </summary>
public sealed class DeploymentFilesTests
{
    private static readonly string Root = FindRoot();

    private static readonly Dictionary<string, Type> OptionSections = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Genlook"] = typeof(GenlookOptions),
        ["RateLimiting"] = typeof(RateLimitingOptions),
        ["Caching"] = typeof(CachingOptions),
        ["Gdpr"] = typeof(GdprOptions),
        ["Attribution"] = typeof(AttributionOptions),
        ["Compat"] = typeof(CompatOptions),
        ["Gateway:Limits"] = typeof(GatewayLimitsOptions),
        ["OpenTelemetry:Prometheus"] = typeof(Genlook.Gateway.Observability.PrometheusEndpointOptions),
    };

    // What ASP.NET Core's JwtBearer reads from Authentication:Schemes:Bearer (JwtBearerConfigureOptions).
    private static readonly string[] JwtBearerKeys =
        ["Authority", "MetadataAddress", "Audience", "ValidAudiences", "ValidIssuer", "ValidIssuers", "SigningKeys", "RequireHttpsMetadata", "ClaimsIssuer", "Challenge", "BackchannelTimeout", "MapInboundClaims", "SaveToken", "IncludeErrorDetails"];

    // Standard variables of the host and of OpenTelemetry, and the pod name the Deployment interpolates.
    private static readonly string[] StandardVariables =
        ["ASPNETCORE_ENVIRONMENT", "ASPNETCORE_URLS", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "POD_NAME"];

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found.");
    }

    private static object? Load(string relativePath)
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Root, relativePath)));
        return new DeserializerBuilder().Build().Deserialize(new MergingParser(new Parser(reader)));
    }

    private static IEnumerable<object?> LoadAll(string relativePath)
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Root, relativePath)));
        var parser = new Parser(reader);
        var deserializer = new DeserializerBuilder().Build();
        parser.Consume<YamlDotNet.Core.Events.StreamStart>();
        while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
        {
            yield return deserializer.Deserialize(parser);
        }
    }

    private static Dictionary<object, object> Map(object? node) => Assert.IsType<Dictionary<object, object>>(node);

    public static TheoryData<string> YamlFiles() =>
        new(new[] { "docker-compose.yml" }.Concat(Directory.GetFiles(Path.Combine(Root, "deploy", "k8s"), "*.yaml").Select(f => Path.GetRelativePath(Root, f))));

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void YamlFile_Parses(string file) => Assert.Contains(LoadAll(file), document => document is not null);

    [Fact]
    public void Compose_GatewayServices_SetOnlyKeysTheGatewayBinds()
    {
        var services = Map(Map(Load("docker-compose.yml"))["services"]);
        var gateways = services.Where(s => s.Key.ToString()!.StartsWith("gateway", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, gateways.Count);
        foreach (var (name, service) in gateways)
        {
            var environment = Map(Map(service)["environment"]);
            Assert.Contains("ConnectionStrings__Redis", environment.Keys.Select(k => k.ToString()));
            AssertAllBound(environment.Keys.Select(k => k.ToString()!), $"docker-compose.yml {name}");
        }
    }

    [Fact]
    public void Kubernetes_ConfigAndSecret_SetOnlyKeysTheGatewayBinds()
    {
        var config = Map(Map(Load("deploy/k8s/configmap.yaml"))["data"]).Keys.Select(k => k.ToString()!);
        var secret = Map(Map(Load("deploy/k8s/secret.example.yaml"))["stringData"]).Keys.Select(k => k.ToString()!).ToList();
        var container = Map(((IList)Map(Map(Map(Map(Load("deploy/k8s/deployment.yaml"))["spec"])["template"])["spec"])["containers"])[0]);
        var env = ((IList)container["env"]).Cast<object>().Select(e => Map(e)["name"].ToString()!);

        AssertAllBound(config.Concat(secret).Concat(env), "deploy/k8s");
        Assert.Contains("Genlook__Accounts__default__ApiKey", secret);
        Assert.Contains("Attribution__Key", secret);
        Assert.Contains("ConnectionStrings__Redis", secret);
    }

    [Fact]
    public async Task Kubernetes_Probes_PointAtRealEndpoints()
    {
        var deployment = Map(Load("deploy/k8s/deployment.yaml"));
        var container = Map(((IList)Map(Map(Map(deployment["spec"])["template"])["spec"])["containers"])[0]);
        var paths = new[] { "readinessProbe", "livenessProbe", "startupProbe" }.Select(p => Map(Map(container[p])["httpGet"])["path"].ToString()!).ToList();
        Assert.Equal(["/readyz", "/healthz", "/healthz"], paths);
        Assert.Equal("8080", Map(((IList)container["ports"])[0])["containerPort"].ToString());

        await using var app = await GatewayApp.StartAsync();
        foreach (var path in paths.Distinct())
        {
            Assert.Equal(HttpStatusCode.OK, (await app.AnonymousClient().GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public void Kubernetes_HasTheObjectsOperatorsNeed()
    {
        var kinds = Directory.GetFiles(Path.Combine(Root, "deploy", "k8s"), "*.yaml")
            .SelectMany(f => LoadAll(Path.GetRelativePath(Root, f)))
            .OfType<Dictionary<object, object>>()
            .Where(d => d.ContainsKey("kind"))
            .Select(d => d["kind"].ToString())
            .ToHashSet();

        Assert.Superset(new HashSet<string?> { "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap", "Secret" }, kinds);
    }

    [Fact]
    public void DockerBuildContext_LeavesOutLocalBuildOutputs()
    {
        // The Dockerfiles copy src/ whole after restoring: a developer's obj/ (project.assets.json naming the host's NuGet
        // folder, written by 'dotnet run') would replace the image's restore and fail the publish with NETSDK1064.
        var path = Path.Combine(Root, ".dockerignore");
        Assert.True(File.Exists(path), ".dockerignore is missing beside the compose file (the build context of both images)");
        var patterns = File.ReadAllLines(path).Select(l => l.Trim().TrimEnd('/')).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.Contains("**/bin", patterns);
        Assert.Contains("**/obj", patterns);
    }

    [Theory]
    [InlineData("Genlook__Accounts__default__ApiKey", true)]
    [InlineData("RateLimiting__Policies__tryon__Window", true)]
    [InlineData("Authentication__Schemes__Bearer__SigningKeys__0__Value", true)]
    [InlineData("Genlook__Acounts__default__ApiKey", false)]
    [InlineData("RateLimiting__Policy__tryon__Window", false)]
    [InlineData("Cache__TerminalTtl", false)]
    public void IsBound_RecognisesRealKeysAndTypos(string variable, bool bound) => Assert.Equal(bound, IsBound(variable));

    private static void AssertAllBound(IEnumerable<string> variables, string where)
    {
        var unknown = variables.Where(v => !IsBound(v)).ToList();
        Assert.True(unknown.Count == 0, $"{where} sets keys the gateway does not read: {string.Join(", ", unknown)}");
    }

    private static bool IsBound(string variable)
    {
        if (StandardVariables.Contains(variable))
        {
            return true;
        }

        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        var parts = key.Split(':');
        switch (parts[0])
        {
            case "ConnectionStrings":
                return parts is [_, "Redis"];
            case "Cors":
                return parts.Length == 3 && parts[1] == "AllowedOrigins" && int.TryParse(parts[2], out _);
            case "Logging":
                return parts.Length >= 3 && parts[1] == "LogLevel";
            case "Authentication":
                return parts.Length >= 4 && parts[1] == "Schemes" && parts[2] == "Bearer" && JwtBearerKeys.Contains(parts[3]);
        }

        foreach (var (section, type) in OptionSections)
        {
            if (key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase))
            {
                return Resolves(type, key[(section.Length + 1)..].Split(':'));
            }
        }

        return false;
    }

    /// <summary>Walks a configuration path through an options type as the binder would: properties, dictionaries, lists.</summary>
    private static bool Resolves(Type type, ReadOnlySpan<string> path)
    {
        if (path.IsEmpty)
        {
            return true;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return Resolves(type.GetGenericArguments()[1], path[1..]);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return int.TryParse(path[0], out _) && Resolves(type.GetGenericArguments()[0], path[1..]);
        }

        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is not null && (property.CanWrite || !property.PropertyType.IsValueType) && Resolves(property.PropertyType, path[1..]);
    }
}
