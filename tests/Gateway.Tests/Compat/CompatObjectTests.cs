using System.Text;
using System.Text.Json;
using Genlook.Gateway.Compat;

namespace Genlook.Gateway.Tests.Compat;

/// <summary>The overlay the rules edit: what it reads, what it hides, and what it writes.</summary>
public sealed class CompatObjectTests
{
    private static string Write(CompatObject value)
    {
        var writer = new CompatWriter();
        value.WriteTo(writer);
        return Encoding.UTF8.GetString(writer.Written);
    }

    [Fact]
    public void WriteTo_Untouched_IsTheParsedMembersAsSent()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"a":1.50,"b":"caf\u00e9","c":{"d":[1, 2]}}"""));

        var written = Write(json.Root());

        Assert.Equal("""{"a":1.50,"b":"caf\u00e9","c":{"d":[1, 2]}}""", written);
    }

    [Fact]
    public void SetRemove_ReplacedMemberKeepsItsPlace_RemovedIsGone_NewGoesLast()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"a":1,"b":2,"c":3}"""));
        var body = json.Root();

        body.Set("b", CompatValue.Of("two"));
        Assert.True(body.Remove("a", out var removed));
        body.Set("d", CompatValue.Of("four"));

        Assert.Equal(JsonValueKind.Number, removed.Kind);
        Assert.False(body.Contains("a"));
        Assert.False(body.Remove("a"));
        Assert.Equal("""{"b":"two","c":3,"d":"four"}""", Write(body));
    }

    [Fact]
    public void RemoveNull_RemovesOnlyAMemberSetToNull()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"a":null,"b":"null","c":0}"""));
        var body = json.Root();

        Assert.True(body.RemoveNull("a"));
        Assert.False(body.RemoveNull("b"));
        Assert.False(body.RemoveNull("c"));
        Assert.False(body.RemoveNull("d"));

        Assert.Equal("""{"b":"null","c":0}""", Write(body));
    }

    [Fact]
    public void GetObject_EditsOfAParsedChild_AreWrittenWithTheParent()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"person":{"image":{"id":"x"}},"other":[1]}"""));
        var body = json.Root();

        body.GetObject("person")!.GetObject("image")!.Set("id", CompatValue.Of("y"));
        body.GetArray("other")!.Add(CompatValue.Of("z"));

        Assert.Equal("""{"person":{"image":{"id":"y"}},"other":[1,"z"]}""", Write(body));
    }

    [Fact]
    public void GetOrAddObject_AbsentOrNull_IsCreated_SomethingElse_IsNull()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"output":null,"text":"t"}"""));
        var body = json.Root();

        body.GetOrAddObject("output")!.Set("watermark", CompatValue.Of("no"));
        body.GetOrAddObject("fresh")!.Set("k", CompatValue.Of("v"));

        Assert.Null(body.GetOrAddObject("text"));
        Assert.Equal("""{"output":{"watermark":"no"},"text":"t","fresh":{"k":"v"}}""", Write(body));
    }

    [Fact]
    public void DeepEquals_ParsedAndBuiltValues_CompareAsJson()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"s":{"url":"u","n":1},"t":{"n":1.0,"url":"u"}}"""));
        var body = json.Root();
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
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"a":1,"a":2}"""));

        var error = Assert.Throws<CompatDuplicateMemberException>(() => json.Root());

        Assert.Equal("a", error.Name);
    }

    [Theory]
    [InlineData("""{"a":1,"\u0061":2}""", "a")]
    [InlineData("""{"id":1,"url":2,"bc":3,"ur\u006c":4}""", "url")]
    [InlineData("""{"n0123456789012345678901234567890123456789012345678901234567890123":1,"x":2,"n0123456789012345678901234567890123456789012345678901234567890123":3}""", "n0123456789012345678901234567890123456789012345678901234567890123")]
    public void Constructor_DuplicateMemberSpelledOrPlacedDifferently_Throws(string json, string duplicate)
    {
        using var body = RawBody.Parse(Encoding.UTF8.GetBytes(json));

        var error = Assert.Throws<CompatDuplicateMemberException>(() => body.Root());

        Assert.Equal(duplicate, error.Name);
    }

    [Fact]
    public void Lookup_NamesWhoseLengthsDifferBy64_AreToldApart()
    {
        var longName = new string('m', 65);
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes($$"""{"{{longName}}":1,"k":2}"""));
        var body = json.Root();

        Assert.True(body.Contains(longName));
        Assert.True(body.Contains("k"));
        Assert.False(body.Contains("z"));
        Assert.False(body.Contains(new string('m', 64)));
        body.Set("y", CompatValue.Of("added"));
        Assert.True(body.TryGet("y", out var added) && added.TryGetString(out var text) && text == "added");
    }

    [Fact]
    public void LargeObject_LookupsEditsAndDuplicates_BehaveAsForSmallOnes()
    {
        var members = string.Join(",", Enumerable.Range(0, 1000).Select(i => $"\"m{i}\":{i}"));
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("{" + members + "}"));
        var body = json.Root();

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

        using var duplicate = RawBody.Parse(Encoding.UTF8.GetBytes("{" + members + ",\"m500\":0}"));
        Assert.Equal("m500", Assert.Throws<CompatDuplicateMemberException>(() => duplicate.Root()).Name);
    }

    [Fact]
    public void Parse_EscapedAndNonAsciiNames_AreFoundByTheirText_AndWrittenAsJsonEqual()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"\u0070roduct":{"id":7},"café":"x","n":12}"""));
        var body = json.Root();

        Assert.True(body.TryGet("product", out var product));
        Assert.Equal(7, product.Member("id").TryGetInt32(out var id) ? id : -1);
        Assert.True(body.Contains("café"));
        Assert.True(body.TryGet("n", out var n) && n.TryGetInt32(out var twelve) && twelve == 12);

        using var written = JsonDocument.Parse(Write(body));
        using var sent = JsonDocument.Parse("""{"\u0070roduct":{"id":7},"café":"x","n":12}""");
        Assert.True(JsonElement.DeepEquals(sent.RootElement, written.RootElement));
    }

    [Fact]
    public void Parse_TheSameNameSpelledTwoWays_IsADuplicate()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"a":1,"\u0061":2}"""));

        Assert.Equal("a", Assert.Throws<CompatDuplicateMemberException>(() => json.Root()).Name);
    }

    [Theory]
    [InlineData("""{"a":1} x""")]
    [InlineData("""{"a":[1,}""")]
    [InlineData("""{"a":{"b":1}""")]
    [InlineData("""{"a":"\q"}""")]
    [InlineData("""{"a":01}""")]
    [InlineData("""{"a":1,}""")]
    public void Parse_InvalidAnywhereInTheBody_Throws(string body)
    {
        Assert.ThrowsAny<JsonException>(() => RawBody.Parse(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void Values_ReadInPlace_AreTheirJsonValues()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"s":"a\"bé","i":-42,"f":1.5,"e":1e2,"z":null,"t":true,"o":{"k":[1,{"x":2}]},"l":[ ]}"""));
        var body = json.Root();

        Assert.True(body.TryGet("s", out var s) && s.TryGetString(out var text) && text == "a\"bé");
        Assert.True(body.TryGet("i", out var i) && i.TryGetInt32(out var number) && number == -42);
        Assert.False(body.TryGet("f", out var f) && f.TryGetInt32(out _));
        Assert.False(body.TryGet("e", out var e) && e.TryGetInt32(out _));
        Assert.False(body.TryGetNonNull("z", out _));
        Assert.Equal(JsonValueKind.True, body.TryGet("t", out var t) ? t.Kind : default);
        Assert.Equal(2, body.GetObject("o")!.GetArray("k")!.GetObject(1)!.TryGet("x", out var x) && x.TryGetInt32(out var two) ? two : -1);
        Assert.Equal(0, body.GetArray("l")!.Count);
        Assert.Equal("""{"s":"a\"bé","i":-42,"f":1.5,"e":1e2,"z":null,"t":true,"o":{"k":[1,{"x":2}]},"l":[]}""", Write(body));
    }

    [Fact]
    public void Parse_WhitespaceBetweenEveryToken_IsReadLikeCompactJson()
    {
        const string Pretty = "{\r\n\t\"a\" :\t{ \"b\" : [ 1 ,\n 2.5e1 , \"x\\\"y\" , { \"c\" : null } ] } ,\r\n  \"d\"  :  true  ,\"e\":-0 }  \n";
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes(Pretty));
        var body = json.Root();

        var items = body.GetObject("a")!.GetArray("b")!;
        Assert.Equal(4, items.Count);
        Assert.True(items[2].TryGetString(out var text) && text == "x\"y");
        Assert.True(items.GetObject(3)!.TryGet("c", out var c) && c.IsNull);
        Assert.Equal(JsonValueKind.True, body.TryGet("d", out var d) ? d.Kind : default);
        Assert.True(body.TryGet("e", out var e) && e.TryGetInt32(out var zero) && zero == 0);
        body.Set("f", CompatValue.Of("new"));

        using var written = JsonDocument.Parse(Write(body));
        using var expected = JsonDocument.Parse("""{"a":{"b":[1,25,"x\"y",{"c":null}]},"d":true,"e":0,"f":"new"}""");
        Assert.True(JsonElement.DeepEquals(expected.RootElement, written.RootElement));
    }

    [Fact]
    public void Write_BuiltNamesAndStringsThatNeedEscaping_AreWrittenAsValidJson()
    {
        const string Text = "q\"uote \\ back \u0001 café 😀 </tag>";
        var body = new CompatObject();

        body.Set("plain", CompatValue.Of("Xq3J9kLm2Pz8VbN1cR5tWg"));
        body.Set(Text, CompatValue.Of(Text));

        using var written = JsonDocument.Parse(Write(body));
        Assert.Equal("Xq3J9kLm2Pz8VbN1cR5tWg", written.RootElement.GetProperty("plain").GetString());
        Assert.Equal(Text, written.RootElement.GetProperty(Text).GetString());
    }

    [Fact]
    public void Write_ParsedMemberGivenAnotherValue_IsWrittenWithTheNewValue()
    {
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("""{"a" : null , "b" : {"c":1}, "d" :2}"""));
        var body = json.Root();
        body.TryGet("b", out var b);

        body.Set("a", b);
        body.Set("d", CompatValue.Of("two"));

        Assert.Equal("""{"a":{"c":1},"b" : {"c":1},"d":"two"}""", Write(body));
    }

    [Fact]
    public void TryGetString_InvalidUtf8WithoutEscapes_Throws()
    {
        byte[] bytes = [.. "{\"s\":\""u8, 0xC3, 0x28, .. "\",\"t\":\"caf\u00e9 ok\"}"u8];
        using var json = RawBody.Parse(bytes);
        var body = json.Root();
        body.TryGet("s", out var s);
        body.TryGet("t", out var t);

        Assert.Throws<InvalidOperationException>(() => s.TryGetString(out _));
        Assert.True(t.TryGetString(out var text));
        Assert.Equal("café ok", text);
    }

    [Fact]
    public void ObjectsOverOneBody_GrowingPastTheirRoomAndTheBodysTable_KeepTheirOwnMembers()
    {
        // Forty objects of three members each: more than the body's first member table holds.
        var objects = string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"o{i}\":{{\"a\":{i},\"b\":\"x\",\"c\":[{i}]}}"));
        using var json = RawBody.Parse(Encoding.UTF8.GetBytes("{" + objects + "}"));
        var body = json.Root(room: 0);

        for (var i = 0; i < 40; i++)
        {
            var opened = body.GetObject($"o{i}")!;
            opened.Remove("b");
            for (var k = 0; k < 5; k++)
            {
                opened.Set($"k{k}", CompatValue.Of($"{i}-{k}")); // past its room of one: it grows, between other objects' slices
            }

            body.GetOrAddObject($"new{i}")!.Set("n", CompatValue.Of($"{i}"));
        }

        using var written = JsonDocument.Parse(Write(body));
        Assert.Equal(80, written.RootElement.GetPropertyCount());
        for (var i = 0; i < 40; i++)
        {
            var opened = written.RootElement.GetProperty($"o{i}");
            Assert.Equal(i, opened.GetProperty("a").GetInt32());
            Assert.False(opened.TryGetProperty("b", out _));
            Assert.Equal(i, opened.GetProperty("c")[0].GetInt32());
            Assert.Equal($"{i}-4", opened.GetProperty("k4").GetString());
            Assert.Equal($"{i}", written.RootElement.GetProperty($"new{i}").GetProperty("n").GetString());
        }
    }
}
