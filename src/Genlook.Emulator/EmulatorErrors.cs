using System.Text.Json.Nodes;

namespace Genlook.Emulator;

/// <summary>Genlook's error shape: <c>{ code, message, status, details? }</c>, with the HTTP status equal to <c>status</c>.</summary>
internal static class EmulatorErrors
{
    public const string ValidationMessage = "Request body failed validation. See `details` for per-field errors.";

    public static IResult Create(int status, string code, string message, IReadOnlyList<(string Path, string Message)>? details = null)
    {
        var body = new JsonObject { ["code"] = code, ["message"] = message, ["status"] = status };
        if (details is { Count: > 0 })
        {
            var array = new JsonArray();
            foreach (var (path, detail) in details)
            {
                array.Add(new JsonObject { ["path"] = path, ["message"] = detail });
            }

            body["details"] = array;
        }

        return Results.Content(body.ToJsonString(EmulatorJson.Options), "application/json; charset=utf-8", statusCode: status);
    }

    public static IResult Validation(IReadOnlyList<(string Path, string Message)> details) =>
        Create(400, "VALIDATION_FAILED", ValidationMessage, details);

    public static IResult Validation(string path, string message) => Validation([(path, message)]);
}
