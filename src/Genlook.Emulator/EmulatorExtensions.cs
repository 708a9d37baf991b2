using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Genlook.Emulator;

public static class EmulatorServiceCollectionExtensions
{
    /// <summary>The emulator's state, request log, faults and handlers, all singletons so tests reach them through the host.</summary>
    public static IServiceCollection AddGenlookEmulator(this IServiceCollection services, Action<EmulatorOptions>? configure = null)
    {
        var options = services.AddOptions<EmulatorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EmulatorState>();
        services.TryAddSingleton<EmulatorRequestLog>();
        services.TryAddSingleton<EmulatorFaults>();
        services.TryAddSingleton<ResultImages>();
        services.TryAddSingleton<EmulatorApi>();
        return services;
    }
}

public static class EmulatorEndpointRouteBuilderExtensions
{
    /// <summary>Genlook's <c>/tryon/v1</c> routes, plus the signed result images under <c>/_emulator/results</c>.</summary>
    public static IEndpointRouteBuilder MapGenlookEmulator(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/tryon/v1")
            .WithMetadata(EmulatorBodyLimit.Instance)
            .AddEndpointFilterFactory((_, next) => invocation => EmulatorPipeline.InvokeAsync(invocation, next, requireKey: true));
        api.MapPost("/images/upload", (HttpContext c, EmulatorApi a) => a.Upload(c));
        api.MapPost("/try-on", (HttpContext c, EmulatorApi a) => a.TryOn(c));
        api.MapGet("/generations/{id}", (HttpContext c, string id, EmulatorApi a) => a.Generation(c, id));
        api.MapPost("/products", (HttpContext c, EmulatorApi a) => a.UpsertProduct(c));
        api.MapGet("/products", (HttpContext c, EmulatorApi a) => a.ListProducts(c));
        api.MapGet("/products/{externalId}", (HttpContext c, string externalId, EmulatorApi a) => a.GetProduct(c, externalId));
        api.MapGet("/products/{externalId}/stats", (HttpContext c, string externalId, EmulatorApi a) => a.ProductStats(c, externalId));
        api.MapDelete("/products/{externalId}", (HttpContext c, string externalId, EmulatorApi a) => a.DeleteProduct(c, externalId));
        api.MapDelete("/customers/{customerId}", (HttpContext c, string customerId, EmulatorApi a) => a.DeleteCustomer(c, customerId));

        // Removed in v1 (GET /generations, PATCH /products/{id}) and anything unknown: ROUTE_NOT_FOUND, like Genlook.
        // A method-less catch-all wins over 405 because routing only reports 405 when no candidate accepts the method.
        api.Map("/{**rest}", () => EmulatorApi.Error(404, "ROUTE_NOT_FOUND", "Route not found."));

        // Signed like a GCS object URL: the signature is the credential, so no x-api-key (browsers open these directly).
        endpoints.MapGet("/_emulator/results/{file}", (string file, HttpContext c, EmulatorApi a) =>
                a.ResultImage(file, c.Request.Query["X-Goog-Date"], c.Request.Query["X-Goog-Expires"], c.Request.Query["X-Goog-Signature"]))
            .AddEndpointFilterFactory((_, next) => invocation => EmulatorPipeline.InvokeAsync(invocation, next, requireKey: false));
        return endpoints;
    }
}

/// <summary>
/// Lifts Kestrel's 30 MB default for the emulator's routes only, so an oversized attachment is answered with Genlook's
/// <c>413 FILE_TOO_LARGE</c> shape rather than a bare framework 413, also when hosted inside another app.
/// </summary>
internal sealed class EmulatorBodyLimit : IRequestSizeLimitMetadata
{
    public static readonly EmulatorBodyLimit Instance = new();

    public long? MaxRequestBodySize => 1L << 30;
}
