using Genlook.Gateway.Hosting;

namespace Genlook.Gateway.Tests.Hosting;

/// <summary>The gateway turns on the runtime's inline socket completions, unless the operator's environment chose.</summary>
public sealed class SocketCompletionsTests
{
    [Fact]
    public void PreferInline_TurnsThemOn_UnlessTheEnvironmentChose()
    {
        var before = Environment.GetEnvironmentVariable(SocketCompletions.Variable);
        try
        {
            Environment.SetEnvironmentVariable(SocketCompletions.Variable, null);
            SocketCompletions.PreferInline();
            Assert.Equal("1", Environment.GetEnvironmentVariable(SocketCompletions.Variable));

            Environment.SetEnvironmentVariable(SocketCompletions.Variable, "0");
            SocketCompletions.PreferInline();
            Assert.Equal("0", Environment.GetEnvironmentVariable(SocketCompletions.Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(SocketCompletions.Variable, before);
        }
    }
}
