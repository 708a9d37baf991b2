using System.Text;
using System.Text.Json.Nodes;
using Genlook.Gateway.Bodies;
using Genlook.Gateway.Compat;

namespace Genlook.Gateway.Tests.Compat;

/// <summary>Each COMPAT.md row alone, the pairs that co-occur, conflicts, and the canonical fast path.</summary>
public sealed class CompatRuleTests
{
    private const string Me = "PSEUDONYM";
    private static readonly JsonBodyRewriter Rewriter = new(new CompatEngine(CompatRules.All));

    private static (JsonObject Body, string[] Rows) TryOn(string json)
    {
        var result = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes(json), Me);
        Assert.True(result.Errors is null, string.Join("; ", result.Errors?.Select(e => $"{e.Path}: {e.Message}") ?? []));
        return ((JsonObject)JsonNode.Parse(result.Body)!, result.AppliedRules.Select(r => r.Id).ToArray());
    }

    private static void AssertJsonEqual(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\n     got {actual.ToJsonString()}");

    public static TheoryData<string, string, string> Rows() => new()
    {
        { "L1", """{"productId":"x","person":{"image":{"source":{"url":"u"}}}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"url":"u"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L2", """{"externalProductId":"x","person":{"image":{"source":{"url":"u"}}}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"url":"u"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L3", """{"products":[{"externalId":"x"}],"customerImageId":"i"}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L4", """{"products":[{"externalId":"x"}],"customer":{"imageId":"i"}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L5", """{"products":[{"externalId":"x"}],"customer":{"url":"u"}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"url":"u"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L6", """{"products":[{"externalId":"x"}],"customer":{"source":{"fileKey":"me"}}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"fileKey":"me"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L7", """{"product":{"externalId":"x","title":"T"},"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x","title":"T"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L8", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"customerId":"someone-else"}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L9", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"useWatermark":false}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"output":{"watermark":false},"externalUserId":"PSEUDONYM"}""" },
        { "L10", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"retentionDays":3}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"output":{"keepForDays":3},"externalUserId":"PSEUDONYM"}""" },
        { "L11", """{"products":[{"externalId":"x","imageUrls":["a","b"]}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x","images":[{"source":{"url":"a"}},{"source":{"url":"b"}}]}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L12", """{"products":[{"externalId":"x","images":[{"url":"a","classifications":{"k":1}},{"fileKey":"back"}]}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x","images":[{"source":{"url":"a"},"classifications":{"k":1}},{"source":{"fileKey":"back"}}]}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L13", """{"products":[{"externalId":"x","autoClassifyImages":true,"autoDetectImageRoles":false}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Rewrite_SingleLegacyRow_ProducesV1Shape(string row, string legacy, string expected)
    {
        var (body, rows) = TryOn(legacy);

        AssertJsonEqual(expected, body);
        Assert.Equal([row], rows);
    }

    // Serializers such as Jackson and Newtonsoft write every field of an old model, unset ones as null.
    public static TheoryData<string, string, string> NullRows() => new()
    {
        { "L1", """{"productId":null,"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L2", """{"externalProductId":null,"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L3", """{"products":[{"externalId":"x"}],"customerImageId":null,"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L6", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"customer":null}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L7", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"product":null}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L8", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"customerId":null}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L9", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"useWatermark":null}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L9", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"useWatermark":null,"output":{"watermark":false}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"output":{"watermark":false},"externalUserId":"PSEUDONYM"}""" },
        { "L10", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"retentionDays":null}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L11", """{"products":[{"externalId":"x","imageUrls":null,"images":[{"source":{"url":"a"}}]}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x","images":[{"source":{"url":"a"}}]}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L12", """{"products":[{"externalId":"x","images":[{"source":{"url":"a"},"url":null}]}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x","images":[{"source":{"url":"a"}}]}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L12", """{"products":[{"externalId":"x","images":[{"url":"a","fileKey":null}]}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x","images":[{"source":{"url":"a"}}]}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
        { "L13", """{"products":[{"externalId":"x","autoClassifyImages":null}],"person":{"image":{"source":{"id":"i"}}}}""", """{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""" },
    };

    [Theory]
    [MemberData(nameof(NullRows))]
    public void Rewrite_LegacyMemberSetToNull_IsDroppedWithoutConflictButStillCounted(string row, string legacy, string expected)
    {
        var (body, rows) = TryOn(legacy);

        AssertJsonEqual(expected, body);
        Assert.Equal([row], rows);
    }

    [Fact]
    public void Rewrite_EveryLegacyMemberSetToNull_ForwardsOnlyTheCurrentShape()
    {
        var (body, rows) = TryOn("""
            {"productId":null,"externalProductId":null,"customerImageId":null,"customer":null,"product":null,"customerId":null,"useWatermark":null,"retentionDays":null,
             "products":[{"externalId":"x","imageUrls":null,"autoClassifyImages":null,"autoDetectImageRoles":null,"images":[{"source":{"url":"a"},"url":null,"fileKey":null}]}],
             "person":{"image":{"source":{"id":"i"}}}}
            """);

        AssertJsonEqual("""{"products":[{"externalId":"x","images":[{"source":{"url":"a"}}]}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""", body);
        Assert.Equal(["L1", "L10", "L11", "L12", "L13", "L2", "L3", "L6", "L7", "L8", "L9"], rows.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Rewrite_PythonFullExampleBody_CombinesL5L7L12()
    {
        var (body, rows) = TryOn("""
            {"product":{"title":"Red tee","description":"Soft cotton regular fit","images":[{"url":"https://cdn.example.com/red-tee.jpg"}],"externalId":"shirt-42"},
             "customer":{"id":"retention-7d/acc_abc/customer/20260512-9f86d.jpeg"}}
            """);

        AssertJsonEqual("""
            {"products":[{"title":"Red tee","description":"Soft cotton regular fit","images":[{"source":{"url":"https://cdn.example.com/red-tee.jpg"}}],"externalId":"shirt-42"}],
             "person":{"image":{"source":{"id":"retention-7d/acc_abc/customer/20260512-9f86d.jpeg"}}},"externalUserId":"PSEUDONYM"}
            """, body);
        Assert.Equal(["L7", "L5", "L12"], rows);
    }

    [Fact]
    public void Rewrite_AlphaBodyWithWatermarkAndRetention_CombinesL1L4L9L10()
    {
        var (body, rows) = TryOn("""{"productId":"x","customer":{"imageId":"i"},"useWatermark":true,"retentionDays":7,"extra":{"keep":[1,2]}}""");

        AssertJsonEqual("""{"products":[{"externalId":"x"}],"person":{"image":{"source":{"id":"i"}}},"output":{"watermark":true,"keepForDays":7},"extra":{"keep":[1,2]},"externalUserId":"PSEUDONYM"}""", body);
        Assert.Equal(["L1", "L4", "L9", "L10"], rows);
    }

    [Fact]
    public void Rewrite_LegacyAndCurrentWithEqualValues_IsAcceptedButStillDeprecated()
    {
        var (body, rows) = TryOn("""{"product":{"externalId":"x"},"products":[{"externalId":"x"}],"useWatermark":false,"output":{"watermark":false},"customer":{"id":"i"},"person":{"image":{"source":{"id":"i"}}}}""");

        AssertJsonEqual("""{"products":[{"externalId":"x"}],"output":{"watermark":false},"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""", body);
        Assert.Equal(["L7", "L5", "L9"], rows);
    }

    [Fact]
    public void Rewrite_LegacyAndCurrentWithDifferentValues_ReportsOneDetailPerConflictingPair()
    {
        var result = Rewriter.RewriteTryOn("""
            {"product":{"externalId":"x"},"products":[{"externalId":"y"}],
             "customer":{"id":"a"},"person":{"image":{"source":{"id":"b"}}},
             "useWatermark":true,"output":{"watermark":false,"keepForDays":1},"retentionDays":7}
            """u8, Me);

        Assert.NotNull(result.Errors);
        Assert.Equal(["customer", "product", "retentionDays", "useWatermark"], result.Errors!.Select(e => e.Path).Order().ToArray());
        Assert.All(result.Errors!, e => Assert.Contains("Conflicts with", e.Message));
    }

    // Equal products in two generations of the product shape: L7 compares them once both are in the current shape.
    [Theory]
    [InlineData("""{"externalId":"x","images":[{"url":"u"}]}""", "L12")]
    [InlineData("""{"externalId":"x","imageUrls":["u"]}""", "L11")]
    [InlineData("""{"externalId":"x","images":[{"source":{"url":"u"}}],"autoClassifyImages":true}""", "L13")]
    public void Rewrite_SingularProductEqualToProductsOnceRewritten_IsNotAConflict(string product, string productRow)
    {
        var (body, rows) = TryOn("""{"product":""" + product + ""","products":[{"externalId":"x","images":[{"source":{"url":"u"}}]}],"person":{"image":{"source":{"id":"i"}}}}""");

        AssertJsonEqual("""{"products":[{"externalId":"x","images":[{"source":{"url":"u"}}]}],"person":{"image":{"source":{"id":"i"}}},"externalUserId":"PSEUDONYM"}""", body);
        Assert.Equal(["L7", productRow], rows);
    }

    [Fact]
    public void Rewrite_ProductsInOlderShapeEqualToSingularProduct_IsNotAConflict()
    {
        var (body, rows) = TryOn("""{"product":{"externalId":"x","images":[{"source":{"url":"u"}}]},"products":[{"externalId":"x","images":[{"url":"u"}]}]}""");

        AssertJsonEqual("""{"products":[{"externalId":"x","images":[{"source":{"url":"u"}}]}],"externalUserId":"PSEUDONYM"}""", body);
        Assert.Equal(["L7", "L12"], rows);
    }

    [Theory]
    [InlineData("""{"externalId":"x","images":[{"url":"v"}]}""")]
    [InlineData("""{"externalId":"x","imageUrls":["u","v"]}""")]
    [InlineData("""{"externalId":"y","images":[{"url":"u"}]}""")]
    public void Rewrite_SingularProductDifferentFromProductsOnceRewritten_IsConflict(string product)
    {
        var result = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes("""{"product":""" + product + ""","products":[{"externalId":"x","images":[{"source":{"url":"u"}}]}]}"""), Me);

        Assert.Equal("product", Assert.Single(result.Errors!).Path);
    }

    [Fact]
    public void Rewrite_ConflictInsideSingularProduct_IsReportedAtThePathSent()
    {
        var result = Rewriter.RewriteTryOn("""{"product":{"externalId":"x","imageUrls":["a"],"images":[{"source":{"url":"b"}}]}}"""u8, Me);

        Assert.Equal("product.imageUrls", Assert.Single(result.Errors!).Path);
    }

    [Fact]
    public void Rewrite_ProductIdConflictingWithProducts_IsConflict()
    {
        var result = Rewriter.RewriteTryOn("""{"productId":"x","products":[{"externalId":"y"}]}"""u8, Me);

        Assert.Equal("productId", Assert.Single(result.Errors!).Path);
    }

    [Fact]
    public void Rewrite_ImageUrlsConflictingWithImages_IsConflictAtProductPath()
    {
        var result = Rewriter.RewriteTryOn("""{"products":[{"externalId":"x","imageUrls":["a"],"images":[{"source":{"url":"b"}}]}]}"""u8, Me);

        Assert.Equal("products.0.imageUrls", Assert.Single(result.Errors!).Path);
    }

    [Fact]
    public void Rewrite_CanonicalBody_IsForwardedVerbatimApartFromExternalUserId()
    {
        const string canonical = """{ "products": [{"externalId":"shirt-42","title":"Red tee","images":[{"source":{"url":"https://cdn.example.com/a.jpg"}},{"source":{"fileKey":"back"},"classifications":{}}],"validForDays":30}], "person": {"image":{"source":{"id":"img-1"}}}, "externalUserId": "app-chose-this", "output": {"watermark":false,"keepForDays":3}, "futureField": {"a": [1, 2.50, "x"]} }""";

        var result = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes(canonical), Me);

        Assert.Null(result.Errors);
        Assert.Empty(result.AppliedRules);
        Assert.Equal("img-1", result.PersonImageId);
        Assert.Equal(3, result.KeepForDays);
        var text = Encoding.UTF8.GetString(result.Body);
        Assert.Contains("\"futureField\": {\"a\": [1, 2.50, \"x\"]}", text); // byte-for-byte, number formatting included
        var expected = (JsonObject)JsonNode.Parse(canonical)!;
        expected["externalUserId"] = Me;
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(text)));
    }

    [Fact]
    public void Rewrite_RewrittenBodyAgain_ChangesNothing()
    {
        var first = Rewriter.RewriteTryOn("""{"product":{"externalId":"x","imageUrls":["a"],"autoClassifyImages":true},"customer":{"source":{"url":"u"}},"retentionDays":1,"customerId":"c"}"""u8, Me);

        var second = Rewriter.RewriteTryOn(first.Body, Me);

        Assert.Empty(second.AppliedRules);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(first.Body), JsonNode.Parse(second.Body)));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    [InlineData("{\"a\":1,}")]
    [InlineData("")]
    [InlineData("{\"person\":{},\"person\":{}}")]
    [InlineData("{\"person\":{\"image\":{\"source\":{\"id\":\"a\",\"id\":\"b\"}}}}")]
    [InlineData("{\"person\":{\"image\":{\"source\":{\"id\":42}}}}")]
    // Legacy bodies: the scan stops at the first legacy member, the DOM parse must still refuse what follows.
    [InlineData("{\"product\":{},\"a\":1,}")]
    [InlineData("{\"customerId\":\"x\"} {\"b\":2}")]
    [InlineData("{\"retentionDays\":3")]
    [InlineData("{\"useWatermark\":true,\"person\":{\"image\":{\"source\":{\"id\":42}}}}")]
    [InlineData("{\"useWatermark\":true,\"person\":{\"image\":{\"source\":{\"id\":\"a\",\"id\":\"b\"}}}}")]
    public void Rewrite_MalformedOrAmbiguousBody_IsInvalid(string json)
    {
        var result = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes(json), Me);

        Assert.NotNull(result.Errors);
        Assert.NotEmpty(result.Errors!);
    }

    [Fact]
    public void Rewrite_LegacyBody_CopiesUntouchedValuesAsSent()
    {
        var result = Rewriter.RewriteTryOn("""{"useWatermark":true,"note":"caf\u00e9 \"x\"","meta":{"b":[1, 2.50]}}"""u8, Me);

        Assert.Null(result.Errors);
        var body = Encoding.UTF8.GetString(result.Body);
        Assert.Contains("\"note\":\"caf\\u00e9 \\\"x\\\"\"", body);
        Assert.Contains("\"meta\":{\"b\":[1, 2.50]}", body);
        Assert.Contains("\"output\":{\"watermark\":true}", body);
    }

    [Fact]
    public void Rewrite_LegacyBodyWithDuplicateOnPersonPath_IsInvalid()
    {
        var result = Rewriter.RewriteTryOn("""{"useWatermark":true,"person":{"image":{"source":{"id":"a","id":"b"}}}}"""u8, Me);

        Assert.NotNull(result.Errors);
        Assert.Equal("person.image.source.id", result.Errors![0].Path);
    }

    [Fact]
    public void Rewrite_LegacyBodyWithAMemberNameNotUtf8_IsInvalid()
    {
        byte[] json = [.. "{\"useWatermark\":true,\""u8, 0xC3, 0x28, .. "\":1}"u8];

        var result = Rewriter.RewriteTryOn(json, Me);

        Assert.NotNull(result.Errors);
        Assert.Contains("UTF-8", result.Errors![0].Message);
    }

    [Fact]
    public void Rewrite_LegacyBodyWithDuplicateMembers_IsInvalid()
    {
        var result = Rewriter.RewriteTryOn("""{"customer":{"id":"a"},"customer":{"id":"b"}}"""u8, Me);

        Assert.NotNull(result.Errors);
    }

    [Fact]
    public void RewriteProduct_LegacyProductBody_AppliesProductRowsOnly()
    {
        var result = Rewriter.RewriteProduct("""{"externalId":"x","imageUrls":["a"],"autoDetectImageRoles":true,"title":"T"}"""u8);

        Assert.Null(result.Errors);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"externalId":"x","images":[{"source":{"url":"a"}}],"title":"T"}"""), JsonNode.Parse(result.Body)));
        Assert.Equal(["L11", "L13"], result.AppliedRules.Select(r => r.Id));
    }

    [Theory]
    [InlineData("""[{"externalId":"x","autoDetectImageRoles":true}]""", "2026-05-18")]
    [InlineData("""[{"externalId":"x","autoClassifyImages":true}]""", "2026-06-25")]
    [InlineData("""[{"externalId":"x","autoClassifyImages":true},{"externalId":"y","autoDetectImageRoles":true}]""", "2026-05-18")]
    public void Rewrite_RemovedProductFlags_ReportL13OnceWithTheEarliestRemovalFound(string products, string removedOn)
    {
        var result = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes("""{"products":""" + products + ""","person":{"image":{"source":{"id":"i"}}}}"""), Me);

        var row = Assert.Single(result.AppliedRules);
        Assert.Equal("L13", row.Id);
        Assert.Equal(DateTimeOffset.Parse(removedOn + "T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), row.DeprecatedAt);
    }

    [Fact]
    public void RewriteProduct_CanonicalBody_IsUnchangedBytes()
    {
        var body = """{"externalId":"x", "images":[{"source":{"url":"a"}}]}"""u8.ToArray();

        var result = Rewriter.RewriteProduct(body);

        Assert.Equal(body, result.Body);
        Assert.Empty(result.AppliedRules);
    }

    [Fact]
    public void Rewrite_LegacyBodyWithDuplicateInAnObjectNoRuleReads_IsInvalidWithItsPath()
    {
        var result = Rewriter.RewriteTryOn("""{"useWatermark":true,"products":[{"externalId":"x","metadata":{"a":1,"a":2}}]}"""u8, Me);

        var error = Assert.Single(result.Errors!);
        Assert.Equal("products.0.metadata.a", error.Path);
        Assert.Equal("Duplicate member.", error.Message);
    }

    public static TheoryData<string, string> LegacyNames()
    {
        var data = new TheoryData<string, string>();
        foreach (var rule in CompatRules.All)
        {
            foreach (var name in rule.LegacyNames)
            {
                data.Add(rule.Id, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LegacyNames))]
    public void Scan_EveryLegacyNameARuleDeclares_TakesTheLegacyPath(string row, string name)
    {
        var rule = CompatRules.All.Single(r => r.Id == row && r.LegacyNames.Contains(name));
        var member = $"\"{name}\":null";
        var json = rule.Surface switch
        {
            CompatSurface.TryOn => "{" + member + "}",
            CompatSurface.Product => """{"products":[{"externalId":"x",""" + member + "}]}",
            _ => """{"products":[{"externalId":"x","images":[{""" + member + "}]}]}",
        };

        Assert.Null(JsonBodyScanner.ScanTryOn(Encoding.UTF8.GetBytes(json), out var scan));
        Assert.True(scan.HasLegacyShape, json);
    }
}
