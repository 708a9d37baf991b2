namespace Genlook.Gateway.Proxy;

/// <summary>The Genlook account a proxied request spends, set by the identity stage; it picks the request's cluster.</summary>
public interface IGenlookAccountFeature
{
    /// <summary>The account's name under <c>Genlook:Accounts</c>.</summary>
    string Account { get; }
}
