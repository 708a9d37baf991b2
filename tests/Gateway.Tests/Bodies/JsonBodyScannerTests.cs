using System.Text;
using Genlook.Gateway.Bodies;

namespace Genlook.Gateway.Tests.Bodies;

/// <summary>The fast path's one decision that compat depends on: whether a body holds a legacy shape at all.</summary>
public sealed class JsonBodyScannerTests
{
    private const string Person = "\"person\":{\"image\":{\"source\":{\"id\":\"i\"}}}";

    // A legacy member is legacy by its name: one sent as null must still reach the rules, which drop it.
    [Theory]
    [InlineData("productId")]
    [InlineData("externalProductId")]
    [InlineData("customerImageId")]
    [InlineData("customer")]
    [InlineData("product")]
    [InlineData("customerId")]
    [InlineData("useWatermark")]
    [InlineData("retentionDays")]
    public void ScanTryOn_TopLevelLegacyMemberSetToNull_HasLegacyShape(string name)
    {
        var json = """{"products":[{"externalId":"x"}],""" + Person + ",\"" + name + "\":null}";

        var errors = JsonBodyScanner.ScanTryOn(Encoding.UTF8.GetBytes(json), out var scan);

        Assert.Null(errors);
        Assert.True(scan.HasLegacyShape);
    }

    [Theory]
    [InlineData("""{"externalId":"x","imageUrls":null}""")]
    [InlineData("""{"externalId":"x","autoClassifyImages":null}""")]
    [InlineData("""{"externalId":"x","autoDetectImageRoles":null}""")]
    [InlineData("""{"externalId":"x","images":[{"source":{"url":"a"},"url":null}]}""")]
    [InlineData("""{"externalId":"x","images":[{"source":{"url":"a"},"fileKey":null}]}""")]
    public void ScanProduct_LegacyMemberSetToNull_HasLegacyShape(string product)
    {
        var tryOnErrors = JsonBodyScanner.ScanTryOn(Encoding.UTF8.GetBytes("""{"products":[""" + product + "]," + Person + "}"), out var tryOn);
        var productErrors = JsonBodyScanner.ScanProduct(Encoding.UTF8.GetBytes(product), out var alone);

        Assert.Null(tryOnErrors);
        Assert.Null(productErrors);
        Assert.True(tryOn.HasLegacyShape);
        Assert.True(alone.HasLegacyShape);
    }

    [Fact]
    public void ScanTryOn_CurrentMembersSetToNull_StayOnTheFastPath()
    {
        var errors = JsonBodyScanner.ScanTryOn("""{"products":[{"externalId":"x","images":null}],"person":{"image":{"source":{"id":"i"}}},"output":{"watermark":null}}"""u8, out var scan);

        Assert.Null(errors);
        Assert.False(scan.HasLegacyShape);
    }
}
