namespace Genlook.Gateway.Errors;

/// <summary>Marks a response the gateway answered itself (not Genlook), with the error it answered.</summary>
public sealed record GatewayErrorFeature(GatewayError Error);
