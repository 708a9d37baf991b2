namespace Genlook.Gateway.Bodies;

public static class BodiesExtensions
{
    /// <summary>The JSON rewriter of the body stage (RequestBodyMiddleware).</summary>
    public static WebApplicationBuilder AddGatewayBodies(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<JsonBodyRewriter>();
        return builder;
    }
}
