using Genlook.Gateway.Caching;
using Genlook.Gateway.Gdpr;
using Genlook.Gateway.Hosting;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Observability;
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
builder.AddGatewayCaching();
builder.AddGatewayGdpr();
builder.AddGatewayProxy();
builder.AddGatewayHosting();

var app = builder.Build();

app.UseGatewayErrors();
app.UseGatewayRequestFraming();
app.UseGatewayCors();
app.UseGatewayRequestGuard();
app.UseGatewayIdentity();
app.UseGatewayRateLimiting();

app.MapGatewayHealth();
app.MapGdprApi();
app.MapDevelopmentTokens();
app.MapGatewayProxy();

app.Run();

/// <summary>Entry point; public for <c>WebApplicationFactory&lt;Program&gt;</c> in tests.</summary>
public partial class Program;
