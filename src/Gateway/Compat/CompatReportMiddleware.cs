using Genlook.Gateway.Proxy;

namespace Genlook.Gateway.Compat;

/// <summary>
/// The proxy stage that reports a request the body stage rewrote from a legacy shape (<see cref="CompatReporter"/>).
/// After the image-ownership check, so a refused request carries no deprecation headers and is not counted.
/// </summary>
internal sealed class CompatReportMiddleware(RequestDelegate next, CompatReporter reporter)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<ICompatRewriteFeature>() is { } rewrite && context.GetGatewayRoute() is { } route)
        {
            reporter.Report(context, route, rewrite.AppliedShapes);
        }

        return next(context);
    }
}
