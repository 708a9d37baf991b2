using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Genlook.Gateway.OpenApi;
using Json.Schema;

namespace Genlook.Gateway.Tests.Infrastructure;

/// <summary>
/// Checks an answer of the gateway against its OpenAPI document (the bytes the gateway serves): the operation by method
/// and path template, the status, the documented headers (present where required, of the documented format), the media
/// type and the JSON body (JSON Schema 2020-12, which OpenAPI 3.1 schemas are, evaluated with JsonSchema.Net).
/// A request no operation takes must get the document's <c>RouteNotFound</c> answer (or a pre-routing refusal).
/// Hand-written because no .NET library validates responses against an OpenAPI 3.1 document.
/// </summary>
public sealed class OpenApiContract
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    /// <summary>What a request that is no documented operation may get: routing's 404, or the guards that answer before routing.</summary>
    private static readonly Dictionary<int, string> UnroutedResponses = new()
    {
        [404] = "RouteNotFound",
        [400] = "BadRequest",
        [413] = "PayloadTooLarge",
        [431] = "RequestHeadersTooLarge",
    };

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonObject _document;
    private readonly JsonObject _schemas;
    private readonly List<(string Template, string[] Segments, JsonObject Item)> _paths = [];
    private readonly ConcurrentDictionary<string, JsonSchema> _compiled = new(StringComparer.Ordinal);
    private int _schemaIds;

    public OpenApiContract(string documentJson)
    {
        _document = JsonNode.Parse(documentJson)!.AsObject();
        _schemas = _document["components"]?["schemas"]?.AsObject() ?? new JsonObject();
        foreach (var (template, item) in _document["paths"]!.AsObject())
        {
            _paths.Add((template, template.Split('/')[1..], item!.AsObject()));
        }
    }

    /// <summary>The document the gateway embeds and serves.</summary>
    public static OpenApiContract Gateway { get; } = new(System.Text.Encoding.UTF8.GetString(GatewayOpenApiDocument.Load().Utf8Json));

    public IEnumerable<(string Method, string Template, JsonObject Operation)> Operations =>
        _paths.SelectMany(p => Methods.Where(m => p.Item[m] is JsonObject).Select(m => (m.ToUpperInvariant(), p.Template, p.Item[m]!.AsObject())));

    /// <summary>The documented path template <paramref name="path"/> (percent-encoded, as sent) spells, or null.</summary>
    public string? FindTemplate(string path)
    {
        if (!path.StartsWith('/'))
        {
            return null;
        }

        var segments = path.Split('/')[1..];
        string? best = null;
        var bestLiterals = -1;
        foreach (var (template, templateSegments, _) in _paths)
        {
            if (templateSegments.Length != segments.Length)
            {
                continue;
            }

            var literals = 0;
            var matches = true;
            for (var i = 0; i < segments.Length && matches; i++)
            {
                var isParameter = templateSegments[i].StartsWith('{') && templateSegments[i].EndsWith('}');
                matches = isParameter ? segments[i].Length > 0 : string.Equals(templateSegments[i], segments[i], StringComparison.Ordinal);
                literals += isParameter ? 0 : 1;
            }

            if (matches && literals > bestLiterals)
            {
                (best, bestLiterals) = (template, literals);
            }
        }

        return best;
    }

    /// <summary>Every way the answer departs from the document; empty when it is described.</summary>
    public IReadOnlyList<string> Check(string method, string path, int status, HttpResponseHeaders headers, HttpContentHeaders? contentHeaders, string? body)
    {
        var problems = new List<string>();
        var template = FindTemplate(path);
        // Methods are case-sensitive (RFC 9110 §9.1): "get" is no documented operation, whatever the path.
        var operation = template is null || !string.Equals(method, method.ToUpperInvariant(), StringComparison.Ordinal)
            ? null
            : _paths.First(p => p.Template == template).Item[method.ToLowerInvariant()] as JsonObject;
        JsonObject? response;
        string where;
        if (operation is null)
        {
            where = $"{method} {path} (no documented operation)";
            if (!UnroutedResponses.TryGetValue(status, out var name))
            {
                problems.Add($"{where}: answered {status}; a request no operation takes must get 404 ROUTE_NOT_FOUND (or 400/413/431 before routing).");
                return problems;
            }

            response = Resolve(_document["components"]!["responses"]![name]!).AsObject();
        }
        else
        {
            where = $"{method} {template} -> {status}";
            var responses = operation["responses"]!.AsObject();
            var node = responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? responses[$"{status / 100}XX"] ?? responses["default"];
            if (node is null)
            {
                problems.Add($"{where}: status {status} is not documented for this operation (documented: {string.Join(", ", responses.Select(r => r.Key))}).");
                return problems;
            }

            response = Resolve(node).AsObject();
        }

        CheckHeaders(where, response, headers, contentHeaders, problems);
        if (!string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            CheckBody(where, status, response, contentHeaders, body, problems);
        }

        return problems;
    }

    private void CheckHeaders(string where, JsonObject response, HttpResponseHeaders headers, HttpContentHeaders? contentHeaders, List<string> problems)
    {
        if (response["headers"] is not JsonObject documented)
        {
            return;
        }

        foreach (var (name, node) in documented)
        {
            var header = Resolve(node!).AsObject();
            string? value = null;
            if (headers.TryGetValues(name, out var values) || (contentHeaders?.TryGetValues(name, out values) ?? false))
            {
                value = string.Join(", ", values);
            }

            if (value is null)
            {
                if (header["required"]?.GetValue<bool>() == true)
                {
                    problems.Add($"{where}: required header {name} is missing.");
                }

                continue;
            }

            if (header["schema"] is JsonNode schema)
            {
                foreach (var error in Evaluate(schema, JsonValue.Create(value)))
                {
                    problems.Add($"{where}: header {name}: '{value}' {error}");
                }
            }
        }
    }

    private void CheckBody(string where, int status, JsonObject response, HttpContentHeaders? contentHeaders, string? body, List<string> problems)
    {
        var mediaType = contentHeaders?.ContentType?.MediaType;
        var hasBody = !string.IsNullOrEmpty(body);
        if (response["content"] is not JsonObject content || content.Count == 0)
        {
            if (hasBody)
            {
                problems.Add($"{where}: a body ({mediaType}) where the document describes none.");
            }

            return;
        }

        // The most specific documented media type or range (OpenAPI: "text/*" covers text/html).
        var media = mediaType is null ? null : (content[mediaType] ?? content[mediaType.Split('/')[0] + "/*"] ?? content["*/*"]) as JsonObject;
        if (media is null)
        {
            problems.Add($"{where}: media type '{mediaType}' is not documented (documented: {string.Join(", ", content.Select(c => c.Key))}).");
            return;
        }

        if (mediaType == "text/event-stream" || media["schema"] is not JsonNode schema)
        {
            return; // a stream is read by the test, not buffered here
        }

        JsonNode? instance;
        if (mediaType!.EndsWith("json", StringComparison.Ordinal))
        {
            try
            {
                instance = JsonNode.Parse(body ?? "");
            }
            catch (JsonException ex)
            {
                problems.Add($"{where}: the body is not JSON ({ex.Message}).");
                return;
            }
        }
        else
        {
            instance = JsonValue.Create(body ?? "");
        }

        foreach (var error in Evaluate(schema, instance))
        {
            problems.Add($"{where}: body {error}");
        }

        // The document's Error: "The HTTP status equals `status`" (CONTRACT §4), which a schema cannot say.
        if (status >= 400 && instance is JsonObject errorBody && errorBody["code"] is JsonValue && errorBody["status"] is JsonValue bodyStatus &&
            bodyStatus.TryGetValue<int>(out var stated) && stated != status)
        {
            problems.Add($"{where}: the error body says status {stated}.");
        }
    }

    /// <summary>Evaluates <paramref name="instance"/> against an OpenAPI schema, its component refs resolved within one 2020-12 schema.</summary>
    internal IEnumerable<string> Evaluate(JsonNode schema, JsonNode? instance)
    {
        var key = schema.ToJsonString();
        var compiled = _compiled.GetOrAdd(key, _ =>
        {
            var wrapper = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$id"] = $"https://gateway.openapi.test/schemas/{Interlocked.Increment(ref _schemaIds)}",
                ["$defs"] = _schemas.DeepClone(),
                ["allOf"] = new JsonArray(schema.DeepClone()),
            };
            return JsonSchema.FromText(wrapper.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal));
        });

        using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var results = compiled.Evaluate(document.RootElement, Evaluation);
        if (results.IsValid)
        {
            return [];
        }

        return (results.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"at '{d.InstanceLocation}' ({d.EvaluationPath}): {e.Value}"))
            .DefaultIfEmpty("does not match the schema")
            .ToArray();
    }

    private JsonNode Resolve(JsonNode node)
    {
        for (var hops = 0; node is JsonObject obj && obj["$ref"] is JsonValue reference; hops++)
        {
            if (hops > 16)
            {
                throw new InvalidOperationException("A $ref cycle in the OpenAPI document.");
            }

            var pointer = reference.GetValue<string>();
            if (!pointer.StartsWith("#/", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Only local $refs are supported: {pointer}");
            }

            JsonNode? target = _document;
            foreach (var part in pointer[2..].Split('/'))
            {
                target = target?[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
            }

            node = target ?? throw new InvalidOperationException($"Unresolved $ref {pointer}.");
        }

        return node;
    }
}

/// <summary>Thrown into the test when the gateway answers something its OpenAPI document does not describe.</summary>
public sealed class OpenApiContractException(string message) : Exception(message);

/// <summary>
/// Every answer a test client receives is checked against the document (<see cref="OpenApiContract"/>); an answer the
/// document does not describe fails the request, so the test fails.
/// </summary>
public sealed class OpenApiValidatingHandler(OpenApiContract contract, Func<bool> enabled) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (!enabled() || IsCorsPreflight(request))
        {
            return response; // CORS preflights are the browser's protocol, not an operation of the API
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        string? body = null;
        if (mediaType != "text/event-stream" && request.Method != HttpMethod.Head)
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }

        var problems = contract.Check(request.Method.Method, request.RequestUri!.AbsolutePath, (int)response.StatusCode, response.Headers, response.Content.Headers, body);
        if (problems.Count > 0)
        {
            var message = $"The gateway's answer is not described by its OpenAPI document (src/Gateway/OpenApi/openapi.json):\n  {string.Join("\n  ", problems)}\nBody: {Truncate(body)}";
            response.Dispose();
            throw new OpenApiContractException(message);
        }

        return response;
    }

    private static bool IsCorsPreflight(HttpRequestMessage request) =>
        request.Method == HttpMethod.Options && request.Headers.Contains("Origin") && request.Headers.Contains("Access-Control-Request-Method");

    private static string Truncate(string? body) => body is null ? "(not read)" : body.Length <= 600 ? body : body[..600] + "…";
}
