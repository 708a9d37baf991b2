using Genlook.Gateway.Errors;
using Genlook.Gateway.Proxy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Identity;

public static class IdentityExtensions
{
    /// <summary>The authorization policy "any authenticated user", for the gateway's own endpoints (the GDPR API).</summary>
    public const string UserPolicy = "gateway-user";

    /// <summary>
    /// JWT bearer authentication from the standard <c>Authentication:Schemes:Bearer</c> section, answering in the
    /// contract shape (<c>401 MISSING_TOKEN</c> / <c>INVALID_TOKEN</c>, <c>403 FORBIDDEN</c>), and the pseudonym.
    /// </summary>
    public static WebApplicationBuilder AddGatewayIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();

        // JwtBearer as configured below, behind a cache of the tokens it validated (see CachingJwtBearerHandler).
        services.AddSingleton<ValidatedTokens>();
        services.AddTransient<CachingJwtBearerHandler>();
        services.Configure<AuthenticationOptions>(options =>
            options.SchemeMap[JwtBearerDefaults.AuthenticationScheme].HandlerType = typeof(CachingJwtBearerHandler));
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IHostEnvironment, IAuthenticationConfigurationProvider>((options, environment, configuration) =>
            {
                // ASP.NET Core binds ValidAudience(s) from the section but not Audience, an option of the same section
                // (JwtBearer turns it into the valid audience): without this line it was ignored and start-up failed.
                options.Audience = configuration.GetSchemeConfiguration(JwtBearerDefaults.AuthenticationScheme)[nameof(options.Audience)] ?? options.Audience;

                // Keep claim names as the IdP wrote them: 'sub', 'scope', 'scp' (no WS-Federation URIs).
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "sub";
                options.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
                options.IncludeErrorDetails = environment.IsDevelopment();
                options.Events = new GatewayJwtBearerEvents();
            })
            .PostConfigure(options =>
            {
                // ASP.NET Core reads configured SigningKeys lazily, from configuration, each time the parameters are
                // cloned: once per request. Read them once (the options instance lives as long as the app anyway).
                var parameters = options.TokenValidationParameters;
                parameters.IssuerSigningKeys = parameters.IssuerSigningKeys?.ToArray();

                // The raw token is never read back from the authentication properties.
                options.SaveToken = false;
            })
            .Validate(HasJwtConfiguration,
                "Authentication:Schemes:Bearer needs either Authority (OIDC) or SigningKeys with ValidIssuer, and ValidAudiences (or Audience).")
            .ValidateOnStart();

        services.AddAuthorizationBuilder()
            .AddPolicy(UserPolicy, policy => policy.RequireAuthenticatedUser())
            .AddPolicy(GatewayRoute.CatalogWriteScope, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => Scopes.Has(c.User, GatewayRoute.CatalogWriteScope)))
            .AddPolicy(Scopes.GdprErase, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => Scopes.Has(c.User, Scopes.GdprErase)));

        services.AddOptions<AttributionOptions>().BindConfiguration(AttributionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PseudonymGenerator>();

        if (builder.Environment.IsDevelopment())
        {
            services.AddSingleton<DevelopmentTokenIssuer>();
        }

        return builder;
    }

    private static bool HasJwtConfiguration(JwtBearerOptions options)
    {
        var parameters = options.TokenValidationParameters;
        var hasKeys = !string.IsNullOrEmpty(options.Authority) || !string.IsNullOrEmpty(options.MetadataAddress) ||
                      parameters.IssuerSigningKey is not null || parameters.IssuerSigningKeys?.Any() == true || options.Configuration is not null;
        var hasAudience = !parameters.ValidateAudience || !string.IsNullOrEmpty(options.Audience) ||
                          !string.IsNullOrEmpty(parameters.ValidAudience) || parameters.ValidAudiences?.Any() == true;
        return hasKeys && hasAudience;
    }

    /// <summary>Authentication, authorization (scopes) and the caller's identity feature, in that order.</summary>
    public static WebApplication UseGatewayIdentity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<GatewayUserMiddleware>();
        return app;
    }

    /// <summary>Maps <c>POST /dev/token</c> in Development only: tokens for the embedded development signing key.</summary>
    public static WebApplication MapDevelopmentTokens(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapPost("/dev/token", DevelopmentTokenIssuer.Handle).AllowAnonymous().ExcludeFromDescription();
        }

        return app;
    }

    /// <summary>Every authentication and authorization failure in Genlook's error shape, with a proper <c>WWW-Authenticate</c>.</summary>
    private sealed class GatewayJwtBearerEvents : JwtBearerEvents
    {
        public override Task TokenValidated(TokenValidatedContext context)
        {
            if (string.IsNullOrEmpty(context.Principal?.FindFirst("sub")?.Value))
            {
                context.Fail("The token has no 'sub' claim.");
            }

            return Task.CompletedTask;
        }

        public override Task Challenge(JwtBearerChallengeContext context)
        {
            context.HandleResponse();
            var hasToken = context.Request.Headers.Authorization.Count > 0;
            GatewayError error;
            if (!hasToken)
            {
                error = GatewayErrors.MissingToken();
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }
            else
            {
                error = GatewayErrors.InvalidToken();
                context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            }

            return GatewayErrorResponse.WriteAsync(context.HttpContext, error);
        }

        public override Task Forbidden(ForbiddenContext context) =>
            GatewayErrorResponse.WriteAsync(context.HttpContext, GatewayErrors.Forbidden("The token lacks the scope this operation needs."));
    }
}
