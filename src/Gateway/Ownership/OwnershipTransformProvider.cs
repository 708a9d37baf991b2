using System.Text.Json;
using Genlook.Gateway.Bodies;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.Storage;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Genlook.Gateway.Ownership;

/// <summary>
/// Records the ids Genlook returns (a try-on's <c>generationId</c>, an upload's <c>imageId</c>) as the caller's, before
/// the app sees them, so the app's very next poll is already authorised. The response is small JSON: it is read,
/// recorded and written on unchanged.
/// </summary>
internal sealed partial class OwnershipTransformProvider(OwnershipStore ownership, ILogger<OwnershipTransformProvider> logger) : ITransformProvider
{
    private const int MaxResponseBytes = 256 * 1024;

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        if (context.Route.RouteId == GatewayRoute.TryOn.Id)
        {
            context.AddResponseTransform(c => RecordAsync(c, "generationId", isGeneration: true));
        }
        else if (context.Route.RouteId == GatewayRoute.Upload.Id)
        {
            context.AddResponseTransform(c => RecordAsync(c, "imageId", isGeneration: false));
        }
    }

    private async ValueTask RecordAsync(ResponseTransformContext context, string idMember, bool isGeneration)
    {
        var response = context.ProxyResponse;
        if (response is null || !response.IsSuccessStatusCode || context.HttpContext.Response.StatusCode is < 200 or > 299)
        {
            return;
        }

        var http = context.HttpContext;
        // YARP's token, not the app's: it carries Genlook:Timeout, so a body Genlook never finishes ends in 504, not a hang.
        var body = await ReadBoundedAsync(response.Content, context.CancellationToken);
        string? id = null;
        if (body is not null)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object &&
                    document.RootElement.TryGetProperty(idMember, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    id = value.GetString();
                }
            }
            catch (JsonException)
            {
            }
        }

        context.SuppressResponseBody = true;
        if (string.IsNullOrEmpty(id))
        {
            // A success without the id cannot be owned by anyone; say so rather than hand out an unusable answer.
            LogMissingId(logger, idMember);
            GatewayErrorResponse.ClearUpstreamHeaders(http.Response);
            await GatewayErrorResponse.WriteAsync(http, GatewayErrors.UpstreamUnavailable());
            return;
        }

        var user = http.GetGatewayUser();
        var retention = OwnershipStore.Retention(http.Features.Get<IRequestRewriteFeature>()?.KeepForDays);
        try
        {
            if (isGeneration)
            {
                await ownership.RecordGenerationAsync(user, id, retention, http.RequestAborted);
            }
            else
            {
                await ownership.RecordImageAsync(user, id, retention, http.RequestAborted);
            }
        }
        catch (StoreUnavailableException)
        {
            // Fail closed: an id nobody owns must not be handed out as if it were readable. Logged per answer (Genlook did
            // the work and the app cannot have it), without a stack trace: the outage itself is logged by StoreOutage.
            LogRecordFailed(logger, idMember);
            GatewayErrorResponse.ClearUpstreamHeaders(http.Response);
            await GatewayErrorResponse.WriteAsync(http, GatewayErrors.StoreUnavailable());
            return;
        }

        http.Response.ContentLength = body!.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
    }

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        return await BoundedRead.ReadAsync(stream, content.Headers.ContentLength, MaxResponseBytes, cancellationToken);
    }

    [LoggerMessage(4001, LogLevel.Error, "Genlook answered success without '{Member}'; the response cannot be attributed to the caller.")]
    private static partial void LogMissingId(ILogger logger, string member);

    [LoggerMessage(4002, LogLevel.Warning, "Could not record ownership of a new '{Member}': the store is unavailable. The app gets 503.")]
    private static partial void LogRecordFailed(ILogger logger, string member);
}
