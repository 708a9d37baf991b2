namespace Genlook.Gateway.Fuzz.Targets;

/// <summary>One fuzz target: runs an input through gateway code and throws on any broken invariant (a crash to afl-fuzz).</summary>
public interface IFuzzTarget
{
    /// <summary>Name on the command line and folder under <c>corpus/</c>.</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);
}

/// <summary>An invariant the gateway broke on a fuzz input.</summary>
public class InvariantViolationException(string message) : Exception(message);

/// <summary>
/// A violation of a kind issue #21 already lists and another branch fixes. Still a failure on replay; afl-fuzz can be
/// told to pass over it (<c>FUZZ_TOLERATE_KNOWN=1</c>), so that a run explores past it instead of re-finding it.
/// </summary>
public sealed class KnownDefectException(string defect, string message) : InvariantViolationException($"{message} [known: {defect}]")
{
    public const string InvalidUtf8 = "#21.5 invalid UTF-8 forwarded";
    public const string UnknownImageShape = "#21.6 image reference in a shape the ownership check cannot see";
    public const string InexactRoute = "#21.4 case- or slash-insensitive route";

    public string Defect { get; } = defect;
}

public static class FuzzTargets
{
    public static readonly IReadOnlyList<string> Names = ["json", "multipart", "path"];

    /// <summary>Builds a target (the path target starts an in-memory gateway, so only the one asked for is made).</summary>
    public static IFuzzTarget Create(string name) => name switch
    {
        "json" => new JsonBodyTarget(),
        "multipart" => new MultipartTarget(),
        "path" => new PathTarget(),
        _ => throw new ArgumentException($"Unknown target '{name}'; one of: {string.Join(", ", Names)}.", nameof(name)),
    };

    internal static void Check(bool condition, string message, string? knownDefect = null)
    {
        if (!condition)
        {
            throw knownDefect is null ? new InvariantViolationException(message) : new KnownDefectException(knownDefect, message);
        }
    }
}
