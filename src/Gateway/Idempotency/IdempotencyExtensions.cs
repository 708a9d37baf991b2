namespace Genlook.Gateway.Idempotency;

public static class IdempotencyExtensions
{
    /// <summary>
    /// <c>Idempotency-Key</c> on try-ons and uploads (CONTRACT §10): the instrument of its stage
    /// (<see cref="IdempotencyMiddleware"/>, in the proxy pipeline after the body stage), whose records live in the shared store.
    /// </summary>
    public static WebApplicationBuilder AddGatewayIdempotency(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IdempotencyMetrics>();
        return builder;
    }
}
