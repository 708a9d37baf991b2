using Genlook.Gateway.Caching;
using Genlook.Gateway.Ownership;

namespace Genlook.Gateway.Gdpr;

/// <summary>
/// What one instance keeps about users in its own memory, beside the shared store: remembered ownership verdicts
/// (<see cref="OwnershipStore.VerdictMemory"/>) and L1 generation statuses (up to <c>Caching:TerminalTtl</c>; they hold
/// result image URLs). A GDPR erase drops them on every instance. The in-memory rate-limit logs stay, as in Redis: they
/// hold admission times only, age out with their windows, and erasing them would hand the user a fresh budget.
/// </summary>
internal sealed class InProcessUserData(OwnershipStore ownership, GenerationStatusCache statuses)
{
    public void Forget(string pseudonym)
    {
        // Verdicts first: a status is served only after an ownership check, so from here on none of the user's is served.
        ownership.ForgetVerdicts(pseudonym);
        statuses.ForgetLocal(pseudonym);
    }

    /// <summary>When an erase may have been missed (whose, unknown): drops every verdict and every L1 status.</summary>
    public void ForgetEveryone()
    {
        ownership.ForgetVerdicts();
        statuses.ForgetAllLocal();
    }
}
