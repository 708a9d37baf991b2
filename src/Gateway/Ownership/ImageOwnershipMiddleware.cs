using Genlook.Gateway.Bodies;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Ownership;

/// <summary>
/// A try-on whose person image (as the body stage read it from the forwarded body) is not one the caller uploaded:
/// <c>403 FORBIDDEN</c>, and nothing reaches Genlook. Store down: <c>503</c>, never open.
/// </summary>
internal sealed class ImageOwnershipMiddleware(RequestDelegate next, OwnershipStore ownership, OwnershipMetrics metrics)
{
    // Other routes, and try-ons that name no image, pass straight through, without a state machine of their own.
    public Task InvokeAsync(HttpContext context) =>
        context.GetGatewayRoute() == GatewayRoute.TryOn && context.Features.Get<IRequestRewriteFeature>()?.PersonImageId is { } imageId
            ? CheckOwnerAsync(context, imageId)
            : next(context);

    private async Task CheckOwnerAsync(HttpContext context, string imageId)
    {
        if (!await ownership.OwnsImageAsync(context.GetGatewayUser(), imageId, context.RequestAborted))
        {
            metrics.Denied(GatewayRoute.TryOn);
            await GatewayErrorResponse.WriteAsync(context, GatewayErrors.Forbidden("person.image.source.id is not an image you uploaded."));
            return;
        }

        await next(context);
    }
}
