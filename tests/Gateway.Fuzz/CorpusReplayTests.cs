using System.Reflection;
using Genlook.Gateway.Fuzz.Targets;

namespace Genlook.Gateway.Fuzz;

/// <summary>
/// Every checked-in corpus input of every target through the same invariants afl-fuzz checks (no AFL here): what the
/// fuzzer once found, or grew into, stays found. A failure names the file and the invariant.
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string> Targets() => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Corpus_EveryInput_HoldsEveryInvariant(string name)
    {
        var corpus = typeof(CorpusReplayTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FuzzCorpus").Value!;
        var folder = Path.Combine(corpus, name);
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);

        var target = FuzzTargets.Create(name);
        try
        {
            var violations = new List<string>();
            foreach (var file in files)
            {
                try
                {
                    target.Run(File.ReadAllBytes(file));
                }
                catch (Exception ex)
                {
                    violations.Add($"{Path.GetFileName(file)}: {ex.GetType().Name}: {ex.Message}");
                }
            }

            Assert.True(violations.Count == 0, $"{violations.Count} of {files.Count} '{name}' inputs break an invariant:\n" + string.Join('\n', violations));
        }
        finally
        {
            (target as IDisposable)?.Dispose();
        }
    }
}
