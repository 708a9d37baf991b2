using Microsoft.AspNetCore.Diagnostics;

namespace Genlook.Gateway.Errors;

public static class ErrorsExtensions
{
    /// <summary>
    /// Expected failures are mapped by the <see cref="IExceptionHandler"/> of the feature that owns the exception,
    /// registered in its <c>AddGatewayX</c> (a store outage: <c>503</c>), and answered without an error log (ASP.NET
    /// Core's default for handled exceptions since .NET 10). Every other one is a defect, and this last handler answers
    /// it: logged with its stack trace, <c>500 INTERNAL_ERROR</c> in the contract shape.
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
