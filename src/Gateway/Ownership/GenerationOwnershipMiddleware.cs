using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Observability;
using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Ownership;

/// <summary>
/// <c>GET /generations/{id}</c> for anyone but the owner, or for an id the gateway never issued: <c>404
/// GENERATION_NOT_FOUND</c> without calling Genlook (no existence leak). Store down: <c>503</c>, never open.
/// </summary>
internal sealed class GenerationOwnershipMiddleware(RequestDelegate next, OwnershipStore ownership, OwnershipMetrics metrics)
{
    // Other routes pass straight through, without a state machine of their own.
    public Task InvokeAsync(HttpContext context) =>
        context.GetGatewayRoute() == GatewayRoute.Generation ? CheckOwnerAsync(context) : next(context);

    private async Task CheckOwnerAsync(HttpContext context)
    {
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        if (!await ownership.OwnsGenerationAsync(context.GetGatewayUser(), id, context.RequestAborted))
        {
            metrics.Denied(GatewayRoute.Generation);
            await GatewayErrorResponse.WriteAsync(context, GatewayErrors.GenerationNotFound());
            return;
        }

        GatewayTelemetry.TagRequestSpan("gateway.ownership", "owner");
        await next(context);
    }
}
