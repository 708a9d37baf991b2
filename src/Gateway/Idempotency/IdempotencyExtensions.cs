namespace Genlook.Gateway.Idempotency;

public static class IdempotencyExtensions
{
    /// <summary>
    /// <c>Idempotency-Key</c> on try-ons and uploads (CONTRACT §10): its stage (<see cref="IdempotencyMiddleware"/>, in the
    /// proxy pipeline after the body stage) keeps its records in the shared store, so it registers nothing else yet.
    /// </summary>
    public static WebApplicationBuilder AddGatewayIdempotency(this WebApplicationBuilder builder) => builder;
}
