using System.Globalization;
using System.Threading.RateLimiting;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Genlook.Gateway.Storage;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Genlook.Gateway.RateLimiting;

public static class RateLimitingExtensions
{
    /// <summary>
    /// ASP.NET Core rate limiting with one named policy per CONTRACT §6 budget, backed by sliding-window logs in Redis (or memory),
    /// answering <c>429 RATE_LIMITED</c> with <c>Retry-After</c> and the IETF headers.
    /// </summary>
    public static WebApplicationBuilder AddGatewayRateLimiting(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitingOptions>, RateLimitingOptionsValidator>();
        services.AddHttpContextAccessor();
        services.AddSingleton<InMemoryRateLimitStore>();
        if (!builder.UsesRedis())
        {
            services.AddSingleton<IRateLimitStore>(sp => sp.GetRequiredService<InMemoryRateLimitStore>());
        }
        else
        {
            services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
                var circuit = RateLimitCircuit.Create(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RateLimitCircuit).FullName!));
                return new RedisRateLimitStore(sp.GetRequiredService<IConnectionMultiplexer>(), options.RedisBudget, options.FailureMode, circuit);
            });
            services.AddSingleton<LiveInstances>();
            services.AddHostedService(sp => sp.GetRequiredService<LiveInstances>());
            services.AddSingleton<IRateLimitStore, ResilientRateLimitStore>();
            services.AddSingleton<LocalRateLimitMetrics>();
            services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
                var instances = sp.GetRequiredService<LiveInstances>();
                return new LocalRateLimiter(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<TimeProvider>(), options.SyncInterval,
                    TimeSpan.FromTicks(Math.Max(options.SyncInterval.Ticks * 3, options.RedisBudget.Ticks)), () => instances.Count,
                    sp.GetRequiredService<InMemoryRateLimitStore>(), sp.GetRequiredService<LocalRateLimitMetrics>());
            });
            services.AddHostedService<LocalRateLimitSync>();
        }

        services.AddSingleton<RateLimitingMetrics>();
        services.AddExceptionHandler<RateLimitUnavailableExceptionHandler>();
        services.AddSingleton(sp => new RateLimitDecider(
            sp.GetRequiredService<IRateLimitStore>(), sp.GetRequiredService<IOptions<RateLimitingOptions>>(), sp.GetRequiredService<IHttpContextAccessor>(),
            sp.GetRequiredService<RateLimitingMetrics>(), sp.GetService<LocalRateLimiter>()));
        services.AddOptions<RateLimiterOptions>().Configure<RateLimitDecider, PseudonymGenerator, IOptions<GenlookOptions>>((limiter, decider, pseudonyms, genlook) =>
        {
            foreach (var policy in new[] { RateLimitPolicies.TryOn, RateLimitPolicies.Uploads, RateLimitPolicies.Reads })
            {
                limiter.AddPolicy(policy, new GatewayRateLimiterPolicy(policy, decider));
            }

            // The GDPR API is not a proxied route: its caller is found from the token here (authorization has already
            // turned away a request without one), on the default account, whose name only places the key.
            var account = genlook.Value.ResolveDefaultAccountName();
            limiter.AddPolicy(RateLimitPolicies.Gdpr, new GatewayRateLimiterPolicy(RateLimitPolicies.Gdpr, decider, context =>
                context.User.FindFirst("sub")?.Value is { Length: > 0 } subject ? new GatewayUserFeature(pseudonyms.For(subject), account) : null));
        });
        services.AddRateLimiter(limiter =>
        {
            limiter.OnRejected = (context, cancellationToken) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(GatewayErrorResponse.WriteAsync(context.HttpContext, GatewayErrors.RateLimited($"Too many requests. Retry after {seconds} s.")));
            };
        });

        return builder;
    }

    /// <summary>
    /// The limiter. What it admits stays charged, also when the gateway itself then refuses the request (ownership's
    /// 403/404): otherwise probing other users' ids would cost nothing. 401s never reach it (no user, no budget).
    /// </summary>
    public static WebApplication UseGatewayRateLimiting(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }
}
