namespace Genlook.Gateway.Gdpr;

/// <summary>
/// Makes every instance drop what it holds in memory for an erased user (<see cref="InProcessUserData"/>), once the
/// shared store's copies are gone. Redis pub/sub between instances; in memory for one instance.
/// </summary>
internal interface IErasureBroadcast
{
    /// <summary>
    /// Forgets the user on this instance and announces the erase to the others (the pseudonym only, never the subject).
    /// Fails with <see cref="Storage.StoreUnavailableException"/> when the announcement cannot be sent.
    /// </summary>
    Task PublishAsync(string pseudonym, CancellationToken cancellationToken);
}

/// <summary>The embedded mode's broadcast: there is no other instance to tell.</summary>
internal sealed class LocalErasureBroadcast(InProcessUserData local) : IErasureBroadcast
{
    public Task PublishAsync(string pseudonym, CancellationToken cancellationToken)
    {
        local.Forget(pseudonym);
        return Task.CompletedTask;
    }
}
