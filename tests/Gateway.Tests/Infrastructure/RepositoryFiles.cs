using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>Files of the repository the tests read as they are shipped (deployment files, dashboards, alert rules).</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    public static string Read(string relativePath) => File.ReadAllText(PathOf(relativePath));

    /// <summary>A YAML document as dictionaries, lists and strings (merge keys resolved).</summary>
    public static object? Yaml(string relativePath) => ParseYaml(Read(relativePath));

    public static object? ParseYaml(string text)
    {
        using var reader = new StringReader(text);
        return new DeserializerBuilder().Build().Deserialize(new MergingParser(new Parser(reader)));
    }

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
}
