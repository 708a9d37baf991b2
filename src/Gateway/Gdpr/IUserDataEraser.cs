namespace Genlook.Gateway.Gdpr;

/// <summary>
/// What a feature keeps about users in one instance's memory, beside the shared store (whose records an erase deletes
/// through the user's index). A feature that keeps some implements this and registers it in its own <c>AddGatewayX</c>;
/// <see cref="InProcessUserData"/> runs them in registration order, so a feature that gates access to another's data
/// (ownership verdicts before cached statuses) is registered first.
/// </summary>
internal interface IUserDataEraser
{
    /// <summary>Forgets what this instance holds for the user.</summary>
    void ForgetLocal(string pseudonym);

    /// <summary>Forgets what this instance holds for every user (an erase may have been missed, whose is unknown).</summary>
    void ForgetAllLocal();
}
