namespace Genlook.Gateway.Hosting;

/// <summary>
/// The runtime's inline socket completions (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>): on Linux a
/// completed socket read or write goes on on the epoll thread that saw it, instead of costing a thread-pool hop first.
/// A gateway is almost all socket completions (the app's connection, Genlook's, Redis's). It is safe here because
/// nothing in the gateway blocks a thread on I/O (no sync-over-async): Kestrel still hands requests to the thread pool.
/// </summary>
internal static class SocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns them on unless the environment already chose (<c>0</c> turns them off). The runtime reads the variable
    /// once, when the process opens its first socket, so this runs first.
    /// </summary>
    public static void PreferInline()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
