namespace Genlook.Gateway.Compat;

public static class CompatExtensions
{
    /// <summary>The deprecated request shapes (COMPAT.md): the rules, and the deprecation headers and counters they report.</summary>
    public static WebApplicationBuilder AddGatewayCompat(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CompatOptions>().BindConfiguration(CompatOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(_ => new CompatEngine(CompatRules.All));
        services.AddSingleton<CompatReporter>();
        services.AddSingleton<CompatMetrics>();
        return builder;
    }
}
