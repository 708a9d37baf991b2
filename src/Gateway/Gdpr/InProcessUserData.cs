namespace Genlook.Gateway.Gdpr;

/// <summary>
/// What one instance keeps about users in its own memory, beside the shared store: every feature's
/// <see cref="IUserDataEraser"/> (remembered ownership verdicts, L1 generation statuses). A GDPR erase drops them on
/// every instance. The in-memory rate-limit logs stay, as in Redis: they hold admission times only, age out with their
/// windows, and erasing them would hand the user a fresh budget (CONTRACT §6).
/// </summary>
internal sealed class InProcessUserData(IEnumerable<IUserDataEraser> erasers)
{
    private readonly IUserDataEraser[] _erasers = erasers.ToArray();

    public void Forget(string pseudonym)
    {
        foreach (var eraser in _erasers)
        {
            eraser.ForgetLocal(pseudonym);
        }
    }

    /// <summary>When an erase may have been missed (whose, unknown): drops everyone's data from this instance's memory.</summary>
    public void ForgetEveryone()
    {
        foreach (var eraser in _erasers)
        {
            eraser.ForgetAllLocal();
        }
    }
}
