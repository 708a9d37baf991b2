using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;
using Scalar.AspNetCore;

namespace Genlook.Gateway.OpenApi;

/// <summary>
/// The gateway's OpenAPI 3.1 document at <c>GET /openapi/v1.json</c> (public, cacheable, with an <c>ETag</c>), and in
/// Development a reference UI (Scalar, its script embedded in the package, no CDN) at <c>/docs</c> (<c>/docs/v1</c>).
/// </summary>
public static class OpenApiExtensions
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";

    public static WebApplicationBuilder AddGatewayOpenApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(GatewayOpenApiDocument.Load());
        return builder;
    }

    public static WebApplication MapGatewayOpenApi(this WebApplication app)
    {
        var document = app.Services.GetRequiredService<GatewayOpenApiDocument>();
        // The file result answers If-None-Match with 304 itself; the document changes only with a new build.
        app.MapGet(DocumentPath, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=300";
            return TypedResults.Bytes(document.Utf8Json, "application/json", entityTag: document.ETag);
        }).AllowAnonymous();

        if (app.Environment.IsDevelopment())
        {
            // Scalar's own fonts come from a CDN and it reports usage by default: neither, so the page works offline.
            app.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("Genlook Gateway API")
                .WithOpenApiRoutePattern(DocumentPath)
                .DisableDefaultFonts()
                .DisableTelemetry())
                .AllowAnonymous();
            // Scalar would redirect /docs to /docs/, which exact routing (ExactRouteMatcherPolicy) does not serve.
            app.MapGet(ReferencePath, () => Results.Redirect(ReferencePath + "/v1")).AllowAnonymous();
        }

        return app;
    }
}

/// <summary>
/// The document, one hand-maintained file (<c>OpenApi/openapi.json</c>, embedded): the gateway is a YARP proxy, so
/// endpoint metadata (Microsoft.AspNetCore.OpenApi) cannot see the proxied routes' bodies, headers or error answers.
/// </summary>
public sealed class GatewayOpenApiDocument
{
    public const string ResourceName = "Genlook.Gateway.OpenApi.openapi.json";

    private GatewayOpenApiDocument(byte[] utf8Json)
    {
        Utf8Json = utf8Json;
        ETag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(utf8Json).AsSpan(0, 16)) + "\"");
    }

    public byte[] Utf8Json { get; }

    public EntityTagHeaderValue ETag { get; }

    public static GatewayOpenApiDocument Load()
    {
        using var stream = typeof(GatewayOpenApiDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded OpenAPI document {ResourceName} is missing from the build.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return new GatewayOpenApiDocument(buffer.ToArray());
    }
}
