using Genlook.Gateway.Fuzz.Targets;
using System.Runtime.InteropServices;
using SharpFuzz;

namespace Genlook.Gateway.Fuzz;

/// <summary>
/// <c>Genlook.Gateway.Fuzz &lt;target&gt;</c>: the afl-fuzz entry point (SharpFuzz's fork server) for one target.
/// <c>Genlook.Gateway.Fuzz &lt;target&gt; &lt;file or folder&gt;…</c>: replays inputs and says which break an invariant.
/// </summary>
public static class FuzzEntryPoint
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: Genlook.Gateway.Fuzz <{string.Join('|', FuzzTargets.Names)}> [file or folder to replay]...");
            return 2;
        }

        // An instrumented assembly writes its coverage through SharpFuzz's map pointer, which Fuzzer.Run sets only when
        // it starts: code that runs before (building the target, the path target's test server) writes to a scratch map.
        unsafe
        {
            SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(1 << 16);
        }

        var target = FuzzTargets.Create(args[0]);
        if (args.Length == 1)
        {
            var tolerateKnown = Environment.GetEnvironmentVariable("FUZZ_TOLERATE_KNOWN") == "1";
            Fuzzer.Run(stream =>
            {
                using var input = new MemoryStream();
                stream.CopyTo(input);
                try
                {
                    target.Run(input.GetBuffer().AsSpan(0, (int)input.Length));
                }
                catch (KnownDefectException) when (tolerateKnown)
                {
                    // Already reported (issue #21); not a crash for this run.
                }
            });
            return 0;
        }

        var failed = 0;
        var files = args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
        foreach (var file in files)
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception ex)
            {
                failed++;
                // An invariant says what broke; anything else escaped the gateway (or the harness): its stack says where.
                Console.WriteLine(ex is InvariantViolationException ? $"{file}: {ex.GetType().Name}: {ex.Message}" : $"{file}: {ex}");
            }
        }

        Console.WriteLine($"{files.Count - failed} of {files.Count} inputs hold every invariant of '{args[0]}'.");
        (target as IDisposable)?.Dispose();
        return failed == 0 ? 0 : 1;
    }
}
