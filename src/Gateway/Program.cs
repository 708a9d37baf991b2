using Genlook.Gateway.Bodies;
using Genlook.Gateway.Caching;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Gdpr;
using Genlook.Gateway.Hosting;
using Genlook.Gateway.Idempotency;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Observability;
using Genlook.Gateway.OpenApi;
using Genlook.Gateway.Ownership;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.RateLimiting;
using Genlook.Gateway.Storage;

// Before anything opens a socket (see SocketCompletions).
SocketCompletions.PreferInline();

// The configuration file sits beside the binary (dotnet run, publish and the container image alike).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.AddDevelopmentDefaults();
builder.AddGatewayObservability();
builder.AddGatewayStorage();
builder.AddGatewayIdentity();
builder.AddGatewayRateLimiting();
builder.AddGatewayGdpr();
builder.AddGatewayProxy();
builder.AddGatewayOwnership();
builder.AddGatewayCaching(); // after Ownership: a GDPR erase forgets who owns what before the statuses it guards
builder.AddGatewayCompat();
builder.AddGatewayBodies();
builder.AddGatewayIdempotency();
builder.AddGatewayHosting();
builder.AddGatewayOpenApi();

var app = builder.Build();

// The request path, in order. Routing is explicit: what runs before it never sees an endpoint.
app.UseGatewayErrors();
app.UseGatewayRequestFraming();
app.UseGatewayCors();
app.UseGatewayRequestGuard();
app.UseDevelopmentDemoApp();
app.UseRouting();
app.UseGatewayIdentity();
app.UseGatewayRateLimiting();

app.MapGatewayHealth();
app.MapGdprApi();
app.MapDevelopmentTokens();
app.MapGatewayOpenApi();
app.MapReverseProxy(proxy =>
{
    proxy.UseMiddleware<UpstreamErrorMiddleware>();
    proxy.UseMiddleware<AccountClusterMiddleware>();
    proxy.UseMiddleware<UpstreamRateLimitMiddleware>();
    proxy.UseMiddleware<GenerationOwnershipMiddleware>();
    proxy.UseMiddleware<GenerationWatchMiddleware>();
    proxy.UseMiddleware<GenerationStatusCacheMiddleware>();
    proxy.UseMiddleware<RequestBodyMiddleware>();
    proxy.UseMiddleware<ImageOwnershipMiddleware>();
    proxy.UseMiddleware<CompatReportMiddleware>();
    proxy.UseMiddleware<IdempotencyMiddleware>();
    proxy.UseSessionAffinity();
    proxy.UseLoadBalancing();
    proxy.UsePassiveHealthChecks();
    proxy.UseMiddleware<UpstreamTimingMiddleware>();
});
app.MapGatewayRouteNotFound();

app.Run();

/// <summary>Entry point; public for <c>WebApplicationFactory&lt;Program&gt;</c> in tests.</summary>
public partial class Program;
