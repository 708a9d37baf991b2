using System.Buffers;
using System.Text;
using System.Text.Json;
using Genlook.Gateway.Compat;

namespace Genlook.Gateway.Tests.Compat;

/// <summary>The overlay the rules edit: what it reads, what it hides, and what it writes.</summary>
public sealed class CompatObjectTests
{
    private static string Write(CompatObject value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void WriteTo_Untouched_IsTheParsedMembersAsSent()
    {
        using var document = JsonDocument.Parse("""{"a":1.50,"b":"caf\u00e9","c":{"d":[1, 2]}}""");

        var written = Write(new CompatObject(document.RootElement));

        Assert.Equal("""{"a":1.50,"b":"caf\u00e9","c":{"d":[1, 2]}}""", written);
    }

    [Fact]
    public void SetRemove_ReplacedMemberKeepsItsPlace_RemovedIsGone_NewGoesLast()
    {
        using var document = JsonDocument.Parse("""{"a":1,"b":2,"c":3}""");
        var body = new CompatObject(document.RootElement);

        body.Set("b", CompatValue.Of("two"));
        Assert.True(body.Remove("a", out var removed));
        body.Set("d", CompatValue.Of("four"));

        Assert.Equal(JsonValueKind.Number, removed.Kind);
        Assert.False(body.Contains("a"));
        Assert.False(body.Remove("a"));
        Assert.Equal("""{"b":"two","c":3,"d":"four"}""", Write(body));
    }

    [Fact]
    public void GetObject_EditsOfAParsedChild_AreWrittenWithTheParent()
    {
        using var document = JsonDocument.Parse("""{"person":{"image":{"id":"x"}},"other":[1]}""");
        var body = new CompatObject(document.RootElement);

        body.GetObject("person")!.GetObject("image")!.Set("id", CompatValue.Of("y"));
        body.GetArray("other")!.Add(CompatValue.Of("z"));

        Assert.Equal("""{"person":{"image":{"id":"y"}},"other":[1,"z"]}""", Write(body));
    }

    [Fact]
    public void GetOrAddObject_AbsentOrNull_IsCreated_SomethingElse_IsNull()
    {
        using var document = JsonDocument.Parse("""{"output":null,"text":"t"}""");
        var body = new CompatObject(document.RootElement);

        body.GetOrAddObject("output")!.Set("watermark", CompatValue.Of("no"));
        body.GetOrAddObject("fresh")!.Set("k", CompatValue.Of("v"));

        Assert.Null(body.GetOrAddObject("text"));
        Assert.Equal("""{"output":{"watermark":"no"},"text":"t","fresh":{"k":"v"}}""", Write(body));
    }

    [Fact]
    public void DeepEquals_ParsedAndBuiltValues_CompareAsJson()
    {
        using var document = JsonDocument.Parse("""{"s":{"url":"u","n":1},"t":{"n":1.0,"url":"u"}}""");
        var body = new CompatObject(document.RootElement);
        var built = new CompatObject();
        built.Set("n", body.GetObject("s")!.TryGet("n", out var n) ? n : default);
        built.Set("url", CompatValue.Of("u"));

        body.TryGet("s", out var s);
        body.TryGet("t", out var t);

        Assert.True(CompatValue.DeepEquals(s, CompatValue.Of(built)));
        Assert.True(CompatValue.DeepEquals(s, t));
        Assert.False(CompatValue.DeepEquals(s, CompatValue.Of("u")));
    }

    [Fact]
    public void Constructor_DuplicateMember_Throws()
    {
        using var document = JsonDocument.Parse("""{"a":1,"a":2}""");

        var error = Assert.Throws<CompatDuplicateMemberException>(() => new CompatObject(document.RootElement));

        Assert.Equal("a", error.Name);
    }

    [Fact]
    public void LargeObject_LookupsEditsAndDuplicates_BehaveAsForSmallOnes()
    {
        var members = string.Join(",", Enumerable.Range(0, 1000).Select(i => $"\"m{i}\":{i}"));
        using var document = JsonDocument.Parse("{" + members + "}");
        var body = new CompatObject(document.RootElement);

        Assert.True(body.TryGet("m999", out var last));
        Assert.Equal(999, last.TryGetInt32(out var n) ? n : -1);
        Assert.True(body.Remove("m0"));
        Assert.False(body.Contains("m0"));
        body.Set("m0", CompatValue.Of("again"));
        body.Set("m1", CompatValue.Of("replaced"));

        var written = JsonDocument.Parse(Write(body)).RootElement;
        Assert.Equal(1000, written.GetPropertyCount());
        Assert.Equal("again", written.GetProperty("m0").GetString());
        Assert.Equal("replaced", written.GetProperty("m1").GetString());

        using var duplicate = JsonDocument.Parse("{" + members + ",\"m500\":0}");
        Assert.Equal("m500", Assert.Throws<CompatDuplicateMemberException>(() => new CompatObject(duplicate.RootElement)).Name);
    }
}
