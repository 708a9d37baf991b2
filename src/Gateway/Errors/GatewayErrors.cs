namespace Genlook.Gateway.Errors;

/// <summary>The catalogue of errors the gateway produces itself (CONTRACT §4). One place, so codes never drift.</summary>
public static class GatewayErrors
{
    public static GatewayError MissingToken() =>
        new("MISSING_TOKEN", "An 'Authorization: Bearer <token>' header is required.", StatusCodes.Status401Unauthorized);

    public static GatewayError InvalidToken(string reason = "The bearer token is invalid or expired.") =>
        new("INVALID_TOKEN", reason, StatusCodes.Status401Unauthorized);

    public static GatewayError Forbidden(string message = "The token does not grant access to this resource.") =>
        new("FORBIDDEN", message, StatusCodes.Status403Forbidden);

    public static GatewayError RouteNotFound() =>
        new("ROUTE_NOT_FOUND", "No such route on the gateway.", StatusCodes.Status404NotFound);

    public static GatewayError GenerationNotFound() =>
        new("GENERATION_NOT_FOUND", "Generation not found.", StatusCodes.Status404NotFound);

    public static GatewayError ValidationFailed(IReadOnlyList<ErrorDetail> details) =>
        new("VALIDATION_FAILED", "Request body failed validation. See `details` for per-field errors.", StatusCodes.Status400BadRequest, details);

    public static GatewayError ValidationFailed(string path, string message) => ValidationFailed([new ErrorDetail(path, message)]);

    /// <summary>A body in a format the route does not take: <c>400 VALIDATION_FAILED</c> on <c>Content-Type</c>, as CONTRACT §4 maps the code (not 415).</summary>
    public static GatewayError UnsupportedMediaType(string message) => ValidationFailed("Content-Type", message);

    public static GatewayError FileTooLarge(string message = "A file exceeds the 10 MB limit.") =>
        new("FILE_TOO_LARGE", message, StatusCodes.Status413PayloadTooLarge);

    /// <summary>Request headers over the gateway's limit: Kestrel would otherwise answer 431 with no body.</summary>
    public static GatewayError HeadersTooLarge(int limitBytes) =>
        new("REQUEST_HEADERS_TOO_LARGE", $"Request headers exceed {limitBytes} bytes.", StatusCodes.Status431RequestHeaderFieldsTooLarge);

    /// <summary>More header field lines than the gateway's limit: Kestrel would otherwise answer 431 with no body.</summary>
    public static GatewayError TooManyHeaders(int limit) =>
        new("REQUEST_HEADERS_TOO_LARGE", $"Requests may have at most {limit} header fields.", StatusCodes.Status431RequestHeaderFieldsTooLarge);

    public static GatewayError RateLimited(string message = "Too many requests. Retry after the time in the Retry-After header.") =>
        new("RATE_LIMITED", message, StatusCodes.Status429TooManyRequests);

    public static GatewayError UpstreamUnavailable() =>
        new("UPSTREAM_UNAVAILABLE", "Genlook could not be reached. Retry later.", StatusCodes.Status502BadGateway);

    public static GatewayError UpstreamTimeout() =>
        new("UPSTREAM_TIMEOUT", "Genlook did not answer in time. Retry later.", StatusCodes.Status504GatewayTimeout);

    public static GatewayError UpstreamAuthFailed() =>
        new("UPSTREAM_AUTH_FAILED", "The gateway's Genlook credentials were rejected. The operator has been alerted.", StatusCodes.Status502BadGateway);

    public static GatewayError StoreUnavailable() =>
        new("STORE_UNAVAILABLE", "The gateway's store is unavailable. Retry later.", StatusCodes.Status503ServiceUnavailable);

    public static GatewayError IdempotencyKeyReused() =>
        new("IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used with a different request body.", StatusCodes.Status422UnprocessableEntity);

    public static GatewayError IdempotencyKeyInUse() =>
        new("IDEMPOTENCY_KEY_IN_USE", "A request with this Idempotency-Key is still in progress. Retry later.", StatusCodes.Status409Conflict);

    public static GatewayError Internal() =>
        new("INTERNAL_ERROR", "Unexpected failure in the gateway.", StatusCodes.Status500InternalServerError);
}
