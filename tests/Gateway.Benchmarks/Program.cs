using BenchmarkDotNet.Running;
using Genlook.Gateway.Benchmarks.LoadSupport;

// dotnet run -c Release --project tests/Gateway.Benchmarks -- [BenchmarkDotNet arguments]   micro-benchmarks
// ... -- tokens --count N --out FILE                                                           load harness: JWTs
// ... -- upstream --urls http://127.0.0.1:PORT                                                load harness: fast Genlook
// ... -- body-ratio [seconds] [canonical|legacy]                                               BodyBenchmarks, alternating
// ... -- watch --gateway-dll DLL [--redis HOST:PORT] [--instances 2] [--watchers 1000] [--generations 100]  watch scenario
// ... -- limiter-cost [decisions]                                                             redis-server µs per decision by algorithm
// ... -- chaos --gateway-dll DLL [--minutes N] [--report FILE] [--work DIR] ...                chaos and soak (chaos/run.sh)
return args switch
{
    ["tokens", ..] => LoadTokens.Write(args),
    ["upstream", ..] => await FastUpstream.RunAsync(args),
    ["watch", ..] => await Genlook.Gateway.Benchmarks.Watch.WatchLoad.RunAsync(args),
    ["chaos", ..] => await Genlook.Gateway.Benchmarks.Chaos.ChaosRunner.RunAsync(args),
    ["body-ratio", ..] => Genlook.Gateway.Benchmarks.Micro.BodyRatio.Run(args),
    ["limiter-cost", ..] => await Genlook.Gateway.Benchmarks.Micro.LimiterAlgorithmCost.RunAsync(args),
    _ => RunBenchmarks(args),
};

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadTokens).Assembly).Run(args);
    return 0;
}
