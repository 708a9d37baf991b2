using Microsoft.AspNetCore.Diagnostics;

namespace Genlook.Gateway.Errors;

public static class ErrorsExtensions
{
    /// <summary>Expected failures, each mapped by the handler of the feature that owns it, tried in this order.</summary>
    public static WebApplicationBuilder AddGatewayErrors(this WebApplicationBuilder builder)
    {
        builder.Services.AddExceptionHandler<StoreUnavailableExceptionHandler>();
        builder.Services.AddExceptionHandler<RateLimitUnavailableExceptionHandler>();
        return builder;
    }

    /// <summary>
    /// Exceptions an <see cref="IExceptionHandler"/> above maps (a store outage: <c>503</c>) are answered without an error
    /// log (ASP.NET Core's default for handled exceptions since .NET 10). Every other one is a defect, and this last
    /// handler answers it: logged with its stack trace, <c>500 INTERNAL_ERROR</c> in the contract shape.
    /// </summary>
    public static WebApplication UseGatewayErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => GatewayErrorResponse.WriteAsync(context, GatewayErrors.Internal()),
        });
        return app;
    }
}
