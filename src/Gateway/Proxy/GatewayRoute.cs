using System.Collections.Frozen;
using Yarp.ReverseProxy.Model;

namespace Genlook.Gateway.Proxy;

/// <summary>What the gateway does with a request: the proxy's allowlist (CONTRACT §1), one entry per Genlook operation.</summary>
/// <param name="Id">YARP route id, also the low-cardinality <c>route</c> tag of metrics.</param>
/// <param name="Method">The only HTTP method accepted on <paramref name="Path"/>.</param>
/// <param name="Path">ASP.NET Core route template, matched exactly as spelled (<see cref="ExactRouteMatcherPolicy"/>).</param>
/// <param name="RateLimitPolicy">Per-user rate-limit policy charged by the route, or <c>null</c>.</param>
/// <param name="RequiredScope">Scope the token must carry, or <c>null</c> for any authenticated user.</param>
public sealed record GatewayRoute(string Id, string Method, string Path, string? RateLimitPolicy, string? RequiredScope)
{
    public const string CatalogWriteScope = "catalog:write";

    public static readonly GatewayRoute TryOn = new("try-on", HttpMethods.Post, "/tryon/v1/try-on", "tryon", null);
    public static readonly GatewayRoute Upload = new("images-upload", HttpMethods.Post, "/tryon/v1/images/upload", "uploads", null);
    public static readonly GatewayRoute Generation = new("generation-status", HttpMethods.Get, "/tryon/v1/generations/{id}", "reads", null);
    public static readonly GatewayRoute ProductList = new("products-list", HttpMethods.Get, "/tryon/v1/products", "reads", null);
    public static readonly GatewayRoute ProductGet = new("product-get", HttpMethods.Get, "/tryon/v1/products/{externalId}", "reads", null);
    public static readonly GatewayRoute ProductStats = new("product-stats", HttpMethods.Get, "/tryon/v1/products/{externalId}/stats", "reads", null);
    public static readonly GatewayRoute ProductUpsert = new("product-upsert", HttpMethods.Post, "/tryon/v1/products", null, CatalogWriteScope);
    /// <summary>Removed upstream in 1.0; the gateway serves it as <c>POST /products</c> with the id merged into the body.</summary>
    public static readonly GatewayRoute ProductPatch = new("product-patch", HttpMethods.Patch, "/tryon/v1/products/{externalId}", null, CatalogWriteScope);
    public static readonly GatewayRoute ProductDelete = new("product-delete", HttpMethods.Delete, "/tryon/v1/products/{externalId}", null, CatalogWriteScope);

    /// <summary>Every route the gateway forwards. Anything else under <c>/tryon/v1</c> is <c>404 ROUTE_NOT_FOUND</c>.</summary>
    public static readonly IReadOnlyList<GatewayRoute> All =
        [TryOn, Upload, Generation, ProductList, ProductGet, ProductStats, ProductUpsert, ProductPatch, ProductDelete];

    private static readonly FrozenDictionary<string, GatewayRoute> ById = All.ToFrozenDictionary(r => r.Id, StringComparer.Ordinal);

    public static GatewayRoute? Find(string routeId) => ById.GetValueOrDefault(routeId);
}

internal static class GatewayRouteHttpContextExtensions
{
    /// <summary>The allowlist entry the request matched, or <c>null</c> outside the proxy.</summary>
    public static GatewayRoute? GetGatewayRoute(this HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>() is { } model ? GatewayRoute.Find(model.Config.RouteId) : null;
}
