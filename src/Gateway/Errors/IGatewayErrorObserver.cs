namespace Genlook.Gateway.Errors;

/// <summary>
/// A request feature told when the gateway answers the request with its own error, just before the response starts,
/// so that the headers it set earlier can still be corrected (e.g. the rate-limit state of a request not charged).
/// </summary>
internal interface IGatewayErrorObserver
{
    void OnGatewayError(HttpContext context, GatewayError error);
}
