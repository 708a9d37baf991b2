using System.Net;
using System.Text;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Proxy;

/// <summary>
/// CONTRACT §1: only the exact routes are routes. ASP.NET Core routing matches literals case-insensitively and tolerates
/// a trailing slash; the gateway does not, on its proxied routes and its own endpoints alike.
/// </summary>
public sealed class ExactRouteTests : IAsyncLifetime
{
    /// <summary>Every route of the gateway, as a client spells it exactly (parameters as sample values).</summary>
    private static readonly (string Method, string Path)[] ExactRoutes =
    [
        ("POST", "/tryon/v1/try-on"),
        ("POST", "/tryon/v1/images/upload"),
        ("GET", "/tryon/v1/generations/gen_1"),
        ("GET", "/tryon/v1/products"),
        ("GET", "/tryon/v1/products/shirt-42"),
        ("GET", "/tryon/v1/products/shirt-42/stats"),
        ("POST", "/tryon/v1/products"),
        ("PATCH", "/tryon/v1/products/shirt-42"),
        ("DELETE", "/tryon/v1/products/shirt-42"),
        ("DELETE", "/gdpr/users/alice"),
        ("DELETE", "/gdpr/me"),
        ("GET", "/gdpr/jobs/job_1"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/openapi/v1.json"),
    ];

    private GatewayApp _app = null!;

    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Each literal segment in upper case and capitalised, the method in lower case, a trailing slash, an empty segment, of every route.</summary>
    public static TheoryData<string, string> Variants()
    {
        var variants = new HashSet<(string, string)>();
        foreach (var (method, path) in ExactRoutes)
        {
            var segments = path[1..].Split('/');
            var literals = Enumerable.Range(0, segments.Length).Where(i => !IsSampleValue(path, i)).ToList();
            foreach (var i in literals)
            {
                variants.Add((method, Join(segments, i, segments[i].ToUpperInvariant())));
                variants.Add((method, Join(segments, i, char.ToUpperInvariant(segments[i][0]) + segments[i][1..])));
            }

            variants.Add((method.ToLowerInvariant(), path)); // methods are case-sensitive (RFC 9110 §9.1)
            variants.Add((method, path + "/"));
            variants.Add((method, path + "//"));
            variants.Add((method, "/" + path));
            variants.Add((method, path.Replace("/", "//", StringComparison.Ordinal)));
            variants.Add((method, Join(segments, literals[^1], segments[literals[^1]] + "/")));
        }

        var data = new TheoryData<string, string>();
        foreach (var (method, path) in variants.Where(v => !ExactRoutes.Contains(v)))
        {
            data.Add(method, path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Request_NotSpelledExactlyAsARoute_IsRouteNotFoundAndNeverForwarded(string method, string path)
    {
        var client = _app.ClientFor("alice", scope: "catalog:write gdpr:erase");
        // Absolute: a relative "//tryon/..." would be a network-path reference to a host named "tryon".
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(client.BaseAddress!.GetLeftPart(UriPartial.Authority) + path));
        if (method is "POST" or "PATCH")
        {
            request.Content = new StringContent("""{"externalId":"shirt-42","title":"t","products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"url":"https://cdn.example.com/me.jpg"}}}}""", Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request);

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Theory]
    [InlineData("/tryon/v1/products/Shirt-ABC")]
    [InlineData("/tryon/v1/products/SHIRT/stats")]
    [InlineData("/tryon/v1/products/TRYON")]
    public async Task ParameterValues_KeepTheirCase_AndAreForwardedAsSent(string path)
    {
        var response = await _app.ClientFor("alice").GetAsync(path);

        await ErrorAssert.IsError(response, HttpStatusCode.NotFound, "PRODUCT_NOT_FOUND"); // Genlook's answer, passed through
        Assert.Equal(path, Assert.Single(_app.Emulator.Requests.All).Path);
    }

    [Fact]
    public async Task ExactRoutes_OfTheGatewaysOwnEndpoints_StillAnswer()
    {
        var health = await _app.AnonymousClient().GetAsync("/healthz");
        var ready = await _app.AnonymousClient().GetAsync("/readyz");
        var job = await _app.ClientFor("alice").GetAsync("/gdpr/jobs/job_1");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await ErrorAssert.IsError(job, HttpStatusCode.NotFound, "JOB_NOT_FOUND");
    }

    private static bool IsSampleValue(string path, int segment) =>
        path.StartsWith("/tryon/v1/products/shirt-42", StringComparison.Ordinal) && segment == 3 ||
        path.StartsWith("/tryon/v1/generations/", StringComparison.Ordinal) && segment == 3 ||
        path.StartsWith("/gdpr/users/", StringComparison.Ordinal) && segment == 2 ||
        path.StartsWith("/gdpr/jobs/", StringComparison.Ordinal) && segment == 2;

    private static string Join(string[] segments, int index, string replacement) =>
        "/" + string.Join('/', segments.Select((s, i) => i == index ? replacement : s));
}
