using Genlook.Gateway.Gdpr;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Genlook.Gateway.Ownership;

public static class OwnershipExtensions
{
    /// <summary>
    /// Which user created which generation and image: the records (whose in-process verdicts a GDPR erase forgets), and
    /// the response transform that writes them.
    /// </summary>
    public static WebApplicationBuilder AddGatewayOwnership(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<OwnershipStore>();
        services.AddSingleton<IUserDataEraser>(sp => sp.GetRequiredService<OwnershipStore>());
        services.AddSingleton<OwnershipMetrics>();

        // What YARP's AddTransforms<T> registers; after AddGatewayProxy, so it runs after the upstream header rules as before.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformProvider, OwnershipTransformProvider>());
        return builder;
    }
}
