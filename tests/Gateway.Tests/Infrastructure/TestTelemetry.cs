using Genlook.Gateway.Observability;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;

namespace Genlook.Gateway.Tests.Infrastructure;

public static class TestTelemetry
{
    /// <summary>The gateway's instruments on a throwaway meter factory, for tests that build components by hand.</summary>
    public static GatewayTelemetry Create() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
}
