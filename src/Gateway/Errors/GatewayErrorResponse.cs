using System.Text.Json;

namespace Genlook.Gateway.Errors;

/// <summary>Writes a <see cref="GatewayError"/> as the response, and as an <see cref="IResult"/> for minimal APIs.</summary>
public static class GatewayErrorResponse
{
    public static Task WriteAsync(HttpContext context, GatewayError error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Too late to change the status line: the only honest thing left is to cut the connection.
            context.Abort();
            return Task.CompletedTask;
        }

        context.Features.Set(new GatewayErrorFeature(error));
        response.StatusCode = error.Status;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(response.Body, error, GatewayErrorJsonContext.Default.GatewayError, context.RequestAborted);
    }

    public static IResult ToResult(this GatewayError error) => new ErrorResult(error);

    private sealed class ErrorResult(GatewayError error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, error);
    }
}
