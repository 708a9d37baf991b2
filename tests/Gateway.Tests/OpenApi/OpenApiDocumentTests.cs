using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Genlook.Gateway.OpenApi;
using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Genlook.Gateway.Tests.OpenApi;

/// <summary>The document is served as built, public and cacheable, and describes exactly the routes the gateway serves.</summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private GatewayApp _app = null!;

    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Document_IsServedAnonymously_AsEmbedded_WithAnETagThatRevalidates()
    {
        var client = _app.AnonymousClient();

        var response = await client.GetAsync(OpenApiExtensions.DocumentPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(GatewayOpenApiDocument.Load().Utf8Json, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("3.1.0", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("openapi").GetString());
        Assert.True(response.Headers.CacheControl?.Public);
        var etag = Assert.IsType<EntityTagHeaderValue>(response.Headers.ETag);

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, OpenApiExtensions.DocumentPath);
        revalidate.Headers.IfNoneMatch.Add(etag);
        var notModified = await client.SendAsync(revalidate);

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ReferenceUi_OutsideDevelopment_IsNotServed()
    {
        var response = await _app.AnonymousClient().GetAsync(OpenApiExtensions.ReferencePath + "/v1");

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
    }

    [Fact]
    public void EveryServedRoute_IsDocumented_AndEveryDocumentedOperation_IsServed()
    {
        var served = ServedOperations(_app.Services);
        var documented = OpenApiContract.Gateway.Operations
            .Where(o => o.Operation["x-gateway-environment"]?.GetValue<string>() is null)
            .Select(o => $"{o.Method} {o.Template}")
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("POST /tryon/v1/try-on", served); // the proxy's routes are loaded, not only the mapped endpoints
        Assert.Empty(served.Except(documented));
        Assert.Empty(documented.Except(served));
    }

    [Fact]
    public async Task Development_ServesTheDevelopmentOnlyOperations_AndAReferenceUiWithNoRemoteAsset()
    {
        await using var app = new DevelopmentApp(Ports.Free());
        var client = app.CreateDefaultClient();

        var developmentOnly = OpenApiContract.Gateway.Operations
            .Where(o => o.Operation["x-gateway-environment"]?.GetValue<string>() == "Development")
            .Select(o => $"{o.Method} {o.Template}")
            .ToList();
        var served = ServedOperations(app.Services);
        Assert.Contains("POST /dev/token", developmentOnly);
        Assert.All(developmentOnly, operation => Assert.Contains(operation, served));
        // Besides the API, Development serves only the reference UI under /docs.
        var documented = OpenApiContract.Gateway.Operations.Select(o => $"{o.Method} {o.Template}").ToHashSet(StringComparer.Ordinal);
        Assert.All(served.Except(documented), operation => Assert.StartsWith("GET " + OpenApiExtensions.ReferencePath, operation, StringComparison.Ordinal));

        var redirect = await client.GetAsync(OpenApiExtensions.ReferencePath);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var page = await client.GetAsync(redirect.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*[""']?(https?:)?//", RegexOptions.IgnoreCase), html);
        var scripts = Regex.Matches(html, @"<script[^>]*\ssrc=""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var asset = await client.GetAsync(new Uri(new Uri(client.BaseAddress!, OpenApiExtensions.ReferencePath + "/"), script));
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }

        Assert.Contains(OpenApiExtensions.DocumentPath.TrimStart('/'), html, StringComparison.Ordinal);
    }

    /// <summary>"METHOD /template" for every endpoint the gateway routes to (its own and the proxy's), the 404 fallback aside.</summary>
    private static HashSet<string> ServedOperations(IServiceProvider services)
    {
        var served = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var segments = endpoint.RoutePattern.PathSegments;
            if (segments is [{ Parts: [RoutePatternParameterPart { IsCatchAll: true }] }])
            {
                continue; // MapGatewayRouteNotFound
            }

            var template = "/" + string.Join('/', segments.Select(s => string.Concat(s.Parts.Select(Spell))));
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            Assert.True(methods is { Count: > 0 }, $"Endpoint {template} accepts any method; every gateway endpoint names its methods.");
            foreach (var method in methods!)
            {
                served.Add($"{method} {template}");
            }
        }

        return served;
    }

    private static string Spell(RoutePatternPart part) => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternSeparatorPart separator => separator.Content,
        RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
        _ => throw new InvalidOperationException(part.GetType().Name),
    };

    private sealed class DevelopmentApp(int emulatorPort) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Genlook:Emulator:Url", $"http://127.0.0.1:{emulatorPort}");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
        }
    }
}
