using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Genlook.Emulator;

public static class EmulatorServiceCollectionExtensions
{
    /// <summary>The emulator's state, request log, faults and handlers.</summary>
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
        var api = endpoints.MapGroup("/tryon/v1").AddEndpointFilterFactory((_, next) => context => GenlookPipeline.InvokeAsync(context, next));
        api.MapPost("/images/upload", (HttpContext c, EmulatorApi a) => a.Upload(c));
        api.MapPost("/try-on", (HttpContext c, EmulatorApi a) => a.TryOn(c));
        api.MapGet("/generations/{id}", (HttpContext c, string id, EmulatorApi a) => a.Generation(c, id));
        api.MapPost("/products", (HttpContext c, EmulatorApi a) => a.UpsertProduct(c));
        api.MapGet("/products", (EmulatorApi a) => a.ListProducts());
        api.MapGet("/products/{externalId}", (string externalId, EmulatorApi a) => a.GetProduct(externalId));
        api.MapGet("/products/{externalId}/stats", (string externalId, EmulatorApi a) => a.ProductStats(externalId));
        api.MapDelete("/products/{externalId}", (string externalId, EmulatorApi a) => a.DeleteProduct(externalId));
        api.MapDelete("/customers/{customerId}", (string customerId, EmulatorApi a) => a.DeleteCustomer(customerId));
        // Removed in v1 (the generations list, PATCH /products) and anything else: ROUTE_NOT_FOUND, like Genlook.
        api.Map("/{**rest}", () => EmulatorApi.Error(404, "ROUTE_NOT_FOUND", "Route not found."));

        endpoints.MapGet("/_emulator/results/{file}", (string file, HttpContext c, EmulatorApi a) =>
            a.ResultImage(file, c.Request.Query["X-Goog-Date"], c.Request.Query["X-Goog-Expires"], c.Request.Query["X-Goog-Signature"]));
        return endpoints;
    }
}

/// <summary>What every <c>/tryon/v1</c> request goes through: read the body once, inject faults, check the key, record.</summary>
internal static class GenlookPipeline
{
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<EmulatorOptions>>().Value;
        var log = services.GetRequiredService<EmulatorRequestLog>();
        var parsed = await ParsedRequest.ReadAsync(context.Request, hashFiles: !options.Instant, context.RequestAborted);
        context.Features.Set(parsed);

        object? result = null;
        var fault = services.GetRequiredService<EmulatorFaults>().Take(context.Request.Method, context.Request.Path.Value ?? "");
        switch (fault?.Kind)
        {
            case FaultKind.Reset:
                Record(context, log, parsed, 0);
                context.Abort();
                return Results.Empty;
            case FaultKind.Delay:
                await Task.Delay(fault.Duration, services.GetRequiredService<TimeProvider>(), context.RequestAborted);
                break;
            case FaultKind.Fail:
                result = EmulatorApi.Error(fault.Status, fault.Code, "Injected failure.");
                break;
            case FaultKind.RateLimit:
                context.Response.Headers.RetryAfter = ((long)Math.Ceiling(fault.Duration.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                result = EmulatorApi.Error(429, "RATE_LIMITED", "Per-account request budget exceeded. Back off and retry.");
                break;
            case FaultKind.RejectKey:
                result = EmulatorApi.Error(401, "INVALID_API_KEY", "The key was rejected.");
                break;
        }

        if (result is null)
        {
            var key = context.Request.Headers["x-api-key"].ToString();
            result = key.Length == 0 ? EmulatorApi.Error(401, "MISSING_API_KEY", "x-api-key header is missing.")
                : !options.ApiKeys.Contains(key) ? EmulatorApi.Error(401, "INVALID_API_KEY", "The key was rejected.")
                : await next(invocation);
        }

        Record(context, log, parsed, result is IStatusCodeHttpResult { StatusCode: { } status } ? status : 200);
        return result;
    }

    private static void Record(HttpContext context, EmulatorRequestLog log, ParsedRequest parsed, int status)
    {
        var request = context.Request;
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        log.Add(new RecordedRequest(DateTimeOffset.UtcNow, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            headers, request.ContentType, parsed.Json, parsed.ToRecorded(), status));
    }
}
