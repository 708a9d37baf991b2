using System.Text.Json.Nodes;

namespace Genlook.Emulator;

/// <summary>Genlook's error shape: <c>{ code, message, status, details? }</c>, with the HTTP status equal to <c>status</c>.</summary>
internal sealed class EmulatorException(int status, string code, string message, IReadOnlyList<(string Path, string Message)>? details = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public IReadOnlyList<(string Path, string Message)>? Details { get; } = details;

    public static EmulatorException Validation(params (string Path, string Message)[] details) =>
        new(400, "VALIDATION_FAILED", "Request body failed validation. See `details` for per-field errors.", details);

    public static IResult ToResult(int status, string code, string message, IReadOnlyList<(string Path, string Message)>? details = null)
    {
        var body = new JsonObject { ["code"] = code, ["message"] = message, ["status"] = status };
        if (details is { Count: > 0 })
        {
            body["details"] = new JsonArray(details.Select(d => (JsonNode)new JsonObject { ["path"] = d.Path, ["message"] = d.Message }).ToArray());
        }

        return Results.Content(body.ToJsonString(), "application/json; charset=utf-8", statusCode: status);
    }

    public IResult ToResult() => ToResult(Status, Code, Message, Details);
}
