using Genlook.Gateway.Compat;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Genlook.Gateway.Bodies;

/// <summary>
/// The request-body stage of the proxy pipeline (not a YARP transform, so it can answer before anything is forwarded
/// and be tested alone): reads the body of the write routes, rewrites legacy shapes (COMPAT.md) and attribution, and
/// hands YARP the rewritten body. What it found (<see cref="IRequestRewriteFeature"/>, <see cref="ICompatRewriteFeature"/>)
/// is for the stages after it (image ownership, the deprecation report). Any problem answers in the contract shape and
/// nothing reaches Genlook.
/// </summary>
internal sealed class RequestBodyMiddleware(RequestDelegate next, JsonBodyRewriter rewriter)
{
    private static readonly BodyLimits Limits = BodyLimits.Default;

    public Task InvokeAsync(HttpContext context)
    {
        var route = context.GetGatewayRoute();
        if (route == GatewayRoute.TryOn)
        {
            return TryOnAsync(context);
        }

        if (route == GatewayRoute.Upload)
        {
            return UploadAsync(context);
        }

        if (route == GatewayRoute.ProductUpsert || route == GatewayRoute.ProductPatch)
        {
            return ProductAsync(context, route);
        }

        return next(context);
    }

    private async Task TryOnAsync(HttpContext context)
    {
        var user = context.GetGatewayUser();
        if (await RewriteDataBodyAsync(context, body => rewriter.RewriteTryOn(body, user.Pseudonym)) is { } rewrite)
        {
            await ContinueAsync(context, rewrite.AppliedRules, rewrite.KeepForDays, rewrite.PersonImageId);
        }
    }

    private async Task UploadAsync(HttpContext context)
    {
        if (Classify(context.Request.ContentType) != BodyFormat.Multipart)
        {
            await GatewayErrorResponse.WriteAsync(context, GatewayErrors.UnsupportedMediaType("Send 'multipart/form-data' with a 'file' part."));
            return;
        }

        var policy = new UploadFormPolicy(context.GetGatewayUser().Pseudonym);
        if (await RewriteMultipartAsync(context, policy))
        {
            await ContinueAsync(context, policy.Applied, policy.KeepForDays, null);
        }
    }

    private async Task ProductAsync(HttpContext context, GatewayRoute route)
    {
        // PATCH was removed upstream in 1.0: it becomes POST /products with the id merged into the body (partial updates).
        var patchId = route == GatewayRoute.ProductPatch ? context.Request.RouteValues["externalId"] as string : null;
        BodyRewrite Rewrite(ReadOnlySpan<byte> body) => patchId is null ? rewriter.RewriteProduct(body) : rewriter.RewritePatch(body, patchId);

        if (await RewriteDataBodyAsync(context, Rewrite) is not { } rewrite)
        {
            return;
        }

        IReadOnlyList<ICompatShape> applied = rewrite.AppliedRules;
        if (patchId is not null)
        {
            applied = [CompatShape.ProductPatch, .. rewrite.AppliedRules];
            context.Request.Method = HttpMethods.Post;
            context.Request.Path = "/tryon/v1/products";
        }

        await ContinueAsync(context, applied, null, null);
    }

    /// <summary>
    /// A try-on or product body, JSON or multipart with a JSON <c>data</c> field, through <paramref name="rewrite"/>;
    /// the request then carries the rewritten body. <c>null</c> after answering an error (nothing is forwarded).
    /// </summary>
    private static async Task<BodyRewrite?> RewriteDataBodyAsync(HttpContext context, RewriteJson rewrite)
    {
        switch (Classify(context.Request.ContentType))
        {
            case BodyFormat.Json:
                byte[]? json;
                try
                {
                    json = await BoundedRead.ReadAsync(new ClientBodyStream(context.Request.Body), context.Request.ContentLength, Limits.MaxJsonBytes, context.RequestAborted);
                }
                catch (ClientBodyException ex)
                {
                    await WriteReadFailureAsync(context, ex);
                    return null;
                }

                if (json is null)
                {
                    await GatewayErrorResponse.WriteAsync(context, GatewayErrors.FileTooLarge($"A JSON body may be at most {Limits.MaxJsonBytes / 1024} KB."));
                    return null;
                }

                var result = rewrite(json);
                if (result.Errors is { } errors)
                {
                    await GatewayErrorResponse.WriteAsync(context, GatewayErrors.ValidationFailed(errors));
                    return null;
                }

                SetJsonBody(context, result.Body);
                return result;
            case BodyFormat.Multipart:
                var policy = new DataFieldPolicy(data => rewrite(data.Span));
                return await RewriteMultipartAsync(context, policy) ? policy.Data! : null;
            default:
                await GatewayErrorResponse.WriteAsync(context, GatewayErrors.UnsupportedMediaType("Send 'application/json' or 'multipart/form-data' with a JSON 'data' field."));
                return null;
        }
    }

    private delegate BodyRewrite RewriteJson(ReadOnlySpan<byte> body);

    private Task ContinueAsync(HttpContext context, IReadOnlyList<ICompatShape> applied, int? keepForDays, string? personImageId)
    {
        context.Features.Set<IRequestRewriteFeature>(new RequestRewriteFeature(keepForDays, personImageId));
        if (applied.Count > 0)
        {
            context.Features.Set<ICompatRewriteFeature>(new CompatRewriteFeature(applied));
        }

        return next(context);
    }

    /// <summary>Rewrites a multipart body in place; <c>false</c> after answering an error.</summary>
    private static async Task<bool> RewriteMultipartAsync(HttpContext context, IMultipartFieldPolicy policy)
    {
        var boundary = MultipartRewriter.GetBoundary(context.Request.ContentType);
        if (boundary is null)
        {
            await GatewayErrorResponse.WriteAsync(context, GatewayErrors.ValidationFailed("Content-Type", "multipart/form-data needs one boundary parameter of 1-70 characters."));
            return false;
        }

        MultipartRewriteResult result;
        try
        {
            result = await MultipartRewriter.RewriteAsync(new ClientBodyStream(context.Request.Body), boundary, policy, Limits, context.RequestAborted);
        }
        catch (ClientBodyException ex)
        {
            await WriteReadFailureAsync(context, ex);
            return false;
        }

        if (result.TooLargePart is { } part)
        {
            await GatewayErrorResponse.WriteAsync(context, GatewayErrors.FileTooLarge($"File part '{part}' exceeds the 10 MB limit."));
            return false;
        }

        if (result.Errors is { } errors)
        {
            await GatewayErrorResponse.WriteAsync(context, GatewayErrors.ValidationFailed(errors));
            return false;
        }

        var body = result.Body!;
        context.Response.RegisterForDisposeAsync(body);
        context.Request.Body = body;
        context.Request.Headers.ContentLength = body.Length;
        context.Request.Headers.Remove(HeaderNames.TransferEncoding);
        return true;
    }

    private static void SetJsonBody(HttpContext context, byte[] body)
    {
        context.Request.Body = new MemoryStream(body, writable: false);
        context.Request.Headers.ContentLength = body.Length;
        context.Request.Headers.Remove(HeaderNames.TransferEncoding);
    }

    /// <summary>The one answer to a body the client broke (cut short, too slow, bad chunked framing, over the limit), JSON or multipart.</summary>
    private static Task WriteReadFailureAsync(HttpContext context, ClientBodyException failure) =>
        GatewayErrorResponse.WriteAsync(context, failure.ToError(context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize));

    private static BodyFormat Classify(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return BodyFormat.Other;
        }

        var type = mediaType.MediaType;
        if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return BodyFormat.Json;
        }

        return type.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ? BodyFormat.Multipart : BodyFormat.Other;
    }

    private enum BodyFormat
    {
        Other,
        Json,
        Multipart,
    }
}
