using BenchmarkDotNet.Attributes;
using Genlook.Gateway.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Routing.Patterns;
using Yarp.ReverseProxy.Forwarder;

namespace Genlook.Gateway.Benchmarks.Micro;

/// <summary>
/// What the exact-route check and the header allowlist add per proxied request: the matcher policy over a route's
/// candidates (the route and the fallback), and the allowlist copy against YARP's copy of every header it replaces.
/// </summary>
[MemoryDiagnoser]
public class ProxyBenchmarks
{
    private readonly ExactRouteMatcherPolicy _policy = new();
    private readonly DefaultHttpContext _context = new();
    private CandidateSet _candidates = null!;

    [GlobalSetup]
    public void Setup()
    {
        Endpoint[] endpoints =
        [
            new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("/tryon/v1/products/{externalId}/stats"), 0, EndpointMetadataCollection.Empty, "product-stats"),
            new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse("{**path}"), int.MaxValue, EndpointMetadataCollection.Empty, "fallback"),
        ];
        _candidates = new CandidateSet(endpoints, [null!, null!], [0, 1]);
        _context.Request.Path = "/tryon/v1/products/shirt-42/stats";
        var headers = _context.Request.Headers;
        headers.Authorization = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        headers.Accept = "application/json";
        headers.AcceptEncoding = "gzip, br";
        headers.AcceptLanguage = "de-CH";
        headers.UserAgent = "ShopApp/1.0 (iPhone; iOS 19.1)";
        headers.ContentType = "application/json";
        headers.ContentLength = 512;
        headers["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        headers["Idempotency-Key"] = "key-1";
    }

    [Benchmark]
    public Task ExactRouteCheck() => _policy.ApplyAsync(_context, _candidates); // an exact path: nothing is ruled out

    [Benchmark(Baseline = true)]
    public async ValueTask<HttpRequestMessage> YarpCopyOfEveryHeader()
    {
        var request = new HttpRequestMessage { Content = new ByteArrayContent([]) };
        await HttpTransformer.Empty.TransformRequestAsync(_context, request, "http://127.0.0.1", CancellationToken.None); // completes synchronously
        return request;
    }

    [Benchmark]
    public HttpRequestMessage AllowlistCopy()
    {
        var request = new HttpRequestMessage { Content = new ByteArrayContent([]) };
        UpstreamHeadersTransformProvider.CopyAllowedHeaders(_context.Request.Headers, request);
        return request;
    }
}
