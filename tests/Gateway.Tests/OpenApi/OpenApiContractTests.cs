using System.Net;
using System.Text;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.OpenApi;

/// <summary>The response validator the functional tests run behind: it must catch what the document does not describe.</summary>
public sealed class OpenApiContractTests
{
    private static readonly OpenApiContract Contract = OpenApiContract.Gateway;

    private const string Generation = """{"generationId":"gen_1","status":"PENDING","productExternalId":"shirt-42","createdAt":"2026-05-12T10:00:00.000Z"}""";

    [Fact]
    public void Check_DescribedAnswer_HasNoProblems()
    {
        var problems = Check("GET", "/tryon/v1/generations/gen_1", HttpStatusCode.OK, Generation,
            headers: new() { ["Cache-Status"] = "genlook-gateway; fwd=miss; stored; ttl=1", ["RateLimit-Policy"] = "\"reads\";q=300;w=60", ["RateLimit"] = "\"reads\";r=299;t=60" });

        Assert.Empty(problems);
    }

    [Fact]
    public void Check_UndocumentedStatus_IsReported()
    {
        var problems = Check("GET", "/tryon/v1/products", HttpStatusCode.Conflict, """{"code":"X","message":"m","status":409}""");

        Assert.Contains(problems, p => p.Contains("status 409 is not documented", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_MissingRequiredField_IsReported()
    {
        var problems = Check("GET", "/tryon/v1/generations/gen_1", HttpStatusCode.OK, """{"status":"PENDING"}""");

        Assert.Contains(problems, p => p.Contains("generationId", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_WrongType_IsReported()
    {
        var problems = Check("GET", "/tryon/v1/generations/gen_1", HttpStatusCode.OK, """{"generationId":42,"status":"PENDING"}""");

        Assert.Contains(problems, p => p.Contains("/generationId", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ValueOutsideTheEnum_IsReported()
    {
        var problems = Check("GET", "/tryon/v1/generations/gen_1", HttpStatusCode.OK, """{"generationId":"gen_1","status":"DONE"}""");

        Assert.Contains(problems, p => p.Contains("/status", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ValidationFailedWithoutDetails_IsReported()
    {
        var problems = Check("POST", "/tryon/v1/try-on", HttpStatusCode.BadRequest, """{"code":"VALIDATION_FAILED","message":"m","status":400}""");

        Assert.NotEmpty(problems);
    }

    [Fact]
    public void Check_ErrorBodyStatusOtherThanTheHttpStatus_IsReported()
    {
        var problems = Check("GET", "/tryon/v1/products/shirt-42", HttpStatusCode.NotFound, """{"code":"PRODUCT_NOT_FOUND","message":"m","status":400}""");

        Assert.Contains(problems, p => p.Contains("the error body says status 400", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_UndocumentedRoute_IsReportedUnlessItIsRouteNotFound()
    {
        var routeNotFound = """{"code":"ROUTE_NOT_FOUND","message":"No such route on the gateway.","status":404}""";

        Assert.Contains(Check("GET", "/tryon/v1/generations", HttpStatusCode.OK, "[]"), p => p.Contains("no documented operation", StringComparison.Ordinal));
        Assert.NotEmpty(Check("GET", "/tryon/v1/generations", HttpStatusCode.NotFound, """{"code":"GENERATION_NOT_FOUND","message":"m","status":404}"""));
        Assert.NotEmpty(Check("PUT", "/tryon/v1/try-on", HttpStatusCode.NotFound, "{}"));
        Assert.Empty(Check("GET", "/tryon/v1/generations", HttpStatusCode.NotFound, routeNotFound));
        Assert.Empty(Check("PUT", "/tryon/v1/try-on", HttpStatusCode.NotFound, routeNotFound));
        Assert.Empty(Check("get", "/healthz", HttpStatusCode.NotFound, routeNotFound)); // methods are case-sensitive
        Assert.Empty(Check("GET", "/healthz/", HttpStatusCode.NotFound, routeNotFound));
    }

    [Fact]
    public void Check_MissingRequiredHeader_IsReported()
    {
        var problems = Check("POST", "/tryon/v1/try-on", HttpStatusCode.TooManyRequests, """{"code":"RATE_LIMITED","message":"m","status":429}""");

        Assert.Contains(problems, p => p.Contains("required header Retry-After is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_HeaderInTheWrongFormat_IsReported()
    {
        var problems = Check("GET", "/tryon/v1/products", HttpStatusCode.OK, """{"items":[],"total":0}""", headers: new() { ["RateLimit"] = "299 left" });

        Assert.Contains(problems, p => p.Contains("header RateLimit", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_UndocumentedMediaType_IsReported()
    {
        var problems = Check("GET", "/tryon/v1/products", HttpStatusCode.OK, "<html></html>", mediaType: "text/html");

        Assert.Contains(problems, p => p.Contains("media type 'text/html' is not documented", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_GenlookAnswersPassedThrough_AreDescribed()
    {
        Assert.Empty(Check("GET", "/tryon/v1/products", HttpStatusCode.ServiceUnavailable, "<html><body>502 Bad Gateway</body></html>", mediaType: "text/html"));
        Assert.Empty(Check("POST", "/tryon/v1/try-on", HttpStatusCode.TooManyRequests, """{"code":"RATE_LIMITED","message":"m","status":429}""",
            headers: new() { ["Retry-After"] = "Sun, 06 Dec 2026 22:24:32 GMT" }));
        Assert.Empty(Check("GET", "/tryon/v1/products/shirt-42", HttpStatusCode.NotFound, """{"code":"PRODUCT_NOT_FOUND","message":"m","status":404}"""));
    }

    [Fact]
    public async Task Handler_AnswerTheDocumentDoesNotDescribe_FailsTheRequest()
    {
        using var inner = new FixedAnswer(HttpStatusCode.OK, """{"status":"PENDING"}""");
        using var client = new HttpClient(new OpenApiValidatingHandler(Contract, () => true) { InnerHandler = inner }) { BaseAddress = new Uri("http://127.0.0.1") };

        var error = await Assert.ThrowsAsync<OpenApiContractException>(() => client.GetAsync("/tryon/v1/generations/gen_1"));

        Assert.Contains("generationId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_DescribedAnswer_IsReturnedWithItsBodyReadable()
    {
        using var inner = new FixedAnswer(HttpStatusCode.OK, Generation);
        using var client = new HttpClient(new OpenApiValidatingHandler(Contract, () => true) { InnerHandler = inner }) { BaseAddress = new Uri("http://127.0.0.1") };

        var response = await client.GetAsync("/tryon/v1/generations/gen_1");

        Assert.Equal(Generation, await response.Content.ReadAsStringAsync());
    }

    private static IReadOnlyList<string> Check(string method, string path, HttpStatusCode status, string body, Dictionary<string, string>? headers = null, string mediaType = "application/json")
    {
        using var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        foreach (var (name, value) in headers ?? [])
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return Contract.Check(method, path, (int)status, response.Headers, response.Content.Headers, body);
    }

    /// <summary>The answer under test, as if from the network.</summary>
    private sealed class FixedAnswer(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json"), RequestMessage = request });
    }
}
