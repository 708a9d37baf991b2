using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Genlook.Gateway.Bodies;
using Genlook.Gateway.Compat;

namespace Genlook.Gateway.Benchmarks.Micro;

/// <summary>
/// The body pipeline, as information: a canonical try-on body (fast path: scan + member copy, no DOM) and a legacy one
/// (the compat rules over a <c>JsonNode</c> tree), each compared with a plain <see cref="JsonDocument"/> parse + write of
/// the same bytes. No ratio is a target: the legacy path's budget is end to end (the load harness's legacy cell).
/// </summary>
[MemoryDiagnoser]
public class BodyBenchmarks
{
    private const string Canonical = """
        {"products":[{"externalId":"shirt-42","title":"Red tee","description":"Soft cotton regular fit","images":[{"source":{"url":"https://cdn.example.com/red-tee.jpg"}},{"source":{"fileKey":"back"},"classifications":{}}],"validForDays":30}],
         "person":{"image":{"source":{"id":"retention-7d/acc_abc/customer/20260512-9f86d.jpeg"}}},"externalUserId":"app-value","output":{"watermark":false,"keepForDays":3}}
        """;

    // Genlook's Python example (L5 + L7 + L12) plus L9 and L10.
    private const string Legacy = """
        {"product":{"title":"Red tee","description":"Soft cotton regular fit","images":[{"url":"https://cdn.example.com/red-tee.jpg"},{"fileKey":"back","classifications":{}}],"externalId":"shirt-42","validForDays":30},
         "customer":{"id":"retention-7d/acc_abc/customer/20260512-9f86d.jpeg"},"useWatermark":false,"retentionDays":3}
        """;

    private readonly JsonBodyRewriter _rewriter = new(new CompatEngine(CompatRules.All));
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private byte[] _body = [];

    [Params("canonical", "legacy")]
    public string Shape { get; set; } = "canonical";

    [GlobalSetup]
    public void Setup() => _body = Encoding.UTF8.GetBytes(Shape == "canonical" ? Canonical : Legacy);

    [Benchmark(Baseline = true)]
    public int JsonDocumentParseAndWrite()
    {
        _output.ResetWrittenCount();
        using var document = JsonDocument.Parse(_body);
        using var writer = new Utf8JsonWriter(_output);
        document.WriteTo(writer);
        writer.Flush();
        return _output.WrittenCount;
    }

    [Benchmark]
    public int GatewayRewrite() => _rewriter.RewriteTryOn(_body, "Xq3J9kLm2Pz8VbN1cR5tWg").Body.Length;
}
