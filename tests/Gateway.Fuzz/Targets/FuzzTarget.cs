namespace Genlook.Gateway.Fuzz.Targets;

/// <summary>One fuzz target: runs an input through gateway code and throws on any broken invariant (a crash to afl-fuzz).</summary>
public interface IFuzzTarget
{
    /// <summary>Name on the command line and folder under <c>corpus/</c>.</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);
}

/// <summary>An invariant the gateway broke on a fuzz input.</summary>
public sealed class InvariantViolationException(string message) : Exception(message);

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

    internal static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvariantViolationException(message);
        }
    }
}
