namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>Bounded polling instead of sleeps: waits for a value, up to a deadline.</summary>
public static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, T expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        T last;
        do
        {
            last = await probe();
            if (EqualityComparer<T>.Default.Equals(last, expected))
            {
                return last;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        return last;
    }

    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null) =>
        await UntilAsync(condition, true, timeout);
}
