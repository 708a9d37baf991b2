using Yarp.ReverseProxy.Configuration;

// Plain YARP: dotnet PlainYarp.dll --urls http://127.0.0.1:PORT --Upstream http://127.0.0.1:UPSTREAM
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var upstream = builder.Configuration["Upstream"] ?? throw new InvalidOperationException("--Upstream http://host:port is required.");
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "upstream", Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = upstream } } }]);
var app = builder.Build();
app.MapReverseProxy();
app.Run();
