using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Genlook.Gateway.Bodies;
using Genlook.Gateway.Compat;
using Genlook.Gateway.Tests.Infrastructure;

namespace Genlook.Gateway.Tests.Bodies;

/// <summary>
/// Deny by default on the paths of an image reference: <c>person.image.source.id</c>, its legacy spellings
/// (COMPAT.md L3-L6) and the sources of product images. A body that puts a reference in a container of another type
/// (an array of persons, a customer string, an id under a product image) is refused before anything is forwarded; a
/// body that is forwarded carries no image id but the one the gateway checked.
/// </summary>
public sealed class ImageReferenceShapeTests : IAsyncLifetime
{
    private const string Checked = "img-CHECKED";
    private const string Smuggled = "img-SMUGGLED";
    private static readonly JsonBodyRewriter Rewriter = new(new CompatEngine(CompatRules.All));
    private GatewayApp _app = null!;

    // Every spelling of where an image reference can sit, as the path of object members down to it ("[]" is an array).
    private static readonly string[][] ReferencePaths =
    [
        ["person", "image", "source", "id"],
        ["customerImageId"],
        ["customer", "imageId"],
        ["customer", "id"],
        ["customer", "source", "id"],
        ["products", "[]", "images", "[]", "source", "id"],
        ["products", "[]", "images", "[]", "id"],
        ["product", "images", "[]", "source", "id"],
        ["product", "images", "[]", "id"],
    ];

    public async Task InitializeAsync() => _app = await GatewayApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void RewriteTryOn_ImageReferencesInRandomContainers_AreRefusedOrOnlyTheCheckedIdIsForwarded()
    {
        // Each level of each path is the documented type most of the time, else an array of it, two of it, a string of
        // it, a number or true; the reference is the checked id, a smuggled one, or an array or object of them. (An id
        // under a member name Genlook does not read is an unknown field, not a reference: not generated.)
        var container = Gen.Frequency((6, Gen.Const(0)), (1, Gen.Int[1, 5]));
        var reference = Gen.Select(Gen.Int[0, ReferencePaths.Length - 1], container.Array[6], Gen.Int[0, 5], Gen.Bool);
        Gen.Select(reference.List[1, 3], Gen.Bool).Sample((references, withProduct) =>
        {
            var body = new JsonObject();
            if (withProduct)
            {
                body["products"] = new JsonArray(new JsonObject { ["externalId"] = "shirt-42" });
            }

            foreach (var (path, wrappers, leaf, smuggle) in references)
            {
                Place(body, ReferencePaths[path], wrappers, Leaf(leaf, smuggle ? Smuggled : Checked));
            }

            var json = body.ToJsonString();
            var result = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes(json), "PSEUDONYM");
            if (result.Errors is not null)
            {
                return true;
            }

            // Forwarded: the only image id in it is the one the gateway checks (person.image.source.id).
            var forwarded = JsonNode.Parse(result.Body)!;
            var ids = Strings(forwarded, "").Where(s => s.Value.Contains("img-", StringComparison.Ordinal)).ToList();
            return ids.All(s => s.Path == "person.image.source.id" && s.Value == result.PersonImageId);
        }, iter: 2000);
    }

    public static TheoryData<string, string> RefusedShapes => new()
    {
        { """{"products":[{"externalId":"shirt-42"}],"person":[{"image":{"source":{"id":"__ID__"}}},{"image":{"source":{"id":"__ID__"}}}]}""", "person" },
        { """{"products":[{"externalId":"shirt-42"}],"person":{"image":[{"source":{"id":"__ID__"}}]}}""", "person.image" },
        { """{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":"{\"id\":\"__ID__\"}"}}}""", "person.image.source" },
        { """{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":["__ID__"]}}}}""", "person.image.source.id" },
        { """{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"id":"__ID__","id":"__ID__"}}}}""", "person.image.source.id" },
        { """{"productId":"shirt-42","customer":[{"id":"__ID__"}]}""", "customer" },
        { """{"productId":"shirt-42","customer":"__ID__"}""", "customer" },
        { """{"productId":"shirt-42","customer":{"source":[{"id":"__ID__"}]}}""", "customer.source" },
        { """{"productId":"shirt-42","customerImageId":{"id":"__ID__"}}""", "person.image.source.id" },
        { """{"products":[{"externalId":"shirt-42","images":[{"source":{"id":"__ID__"}}]}],"person":{"image":{"source":{"url":"https://cdn.example.com/a.jpg"}}}}""", "products.0.images.0.source.id" },
        { """{"products":[[{"externalId":"shirt-42"}]],"person":{"image":{"source":{"url":"https://cdn.example.com/a.jpg"}}}}""", "products.0" },
        { """{"product":{"externalId":"shirt-42","images":[{"id":"__ID__"}]},"person":{"image":{"source":{"url":"https://cdn.example.com/a.jpg"}}}}""", "products.0.images.0.id" },
    };

    [Theory]
    [MemberData(nameof(RefusedShapes))]
    public async Task TryOn_ImageReferenceInAShapeTheGatewayDoesNotRead_IsValidationFailedAndNothingForwarded(string shape, string path)
    {
        // An image alice owns: the refusal is about the shape, not about ownership.
        var alice = new AppSession(_app.ClientFor("alice"));
        var imageId = await alice.UploadImageIdAsync();
        _app.Emulator.Requests.Clear();

        var response = await alice.TryOnAsync(shape.Replace("__ID__", imageId, StringComparison.Ordinal));

        var error = await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(path, error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_MultipartWithATextFieldBesideData_IsValidationFailedAndNothingForwarded()
    {
        var bob = new AppSession(_app.ClientFor("bob"));
        var bobsImage = await bob.UploadImageIdAsync();
        _app.Emulator.Requests.Clear();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("""{"products":[{"externalId":"shirt-42"}],"person":{"image":{"source":{"fileKey":"me"}}}}"""), "data");
        form.Add(new StringContent(bobsImage), "customerImageId");
        form.Add(new ByteArrayContent(TestImages.Png), "me", "me.png");

        var response = await _app.ClientFor("alice").PostAsync("/tryon/v1/try-on", form);

        var error = await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal("customerImageId", error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_MultipartDataWithPersonArray_IsValidationFailedAndNothingForwarded()
    {
        var bob = new AppSession(_app.ClientFor("bob"));
        var bobsImage = await bob.UploadImageIdAsync();
        _app.Emulator.Requests.Clear();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("""{"products":[{"externalId":"shirt-42"}],"person":[{"image":{"source":{"id":"__ID__"}}}]}""".Replace("__ID__", bobsImage, StringComparison.Ordinal)), "data");

        var response = await _app.ClientFor("alice").PostAsync("/tryon/v1/try-on", form);

        var error = await ErrorAssert.IsError(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal("person", error.GetProperty("details")[0].GetProperty("path").GetString());
        Assert.Equal(0, _app.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TryOn_NullPersonContainers_AreForwardedAsAbsent()
    {
        // null reads as absent (no reference can hide in it): Genlook answers for the missing person.
        var response = await _app.ClientFor("alice").PostAsync("/tryon/v1/try-on", new StringContent(
            """{"products":[{"externalId":"shirt-42","images":null}],"person":{"image":{"source":null}}}""", Encoding.UTF8, "application/json"));

        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Single(_app.Emulator.Requests.Matching("POST", "/tryon/v1/try-on"));
    }

    /// <summary>Builds <paramref name="path"/> in <paramref name="root"/>, each level wrapped as <paramref name="wrappers"/> says.</summary>
    private static void Place(JsonObject root, string[] path, int[] wrappers, JsonNode leaf)
    {
        JsonNode node = leaf;
        for (var i = path.Length - 1; i >= 1; i--)
        {
            node = path[i] == "[]" ? new JsonArray(node) : new JsonObject { [path[i]] = node };
            node = Wrap(node, wrappers[i % wrappers.Length]);
        }

        root[path[0]] = node;
    }

    private static JsonNode Wrap(JsonNode node, int how) => how switch
    {
        0 => node,
        1 => new JsonArray(node),
        2 => new JsonArray(node, node.DeepClone()),
        3 => JsonValue.Create(node.ToJsonString())!,
        4 => JsonValue.Create(7)!,
        _ => JsonValue.Create(true)!,
    };

    private static JsonNode Leaf(int how, string id) => how switch
    {
        0 or 1 or 2 => JsonValue.Create(id)!,
        3 => new JsonArray(JsonValue.Create(id), JsonValue.Create(Smuggled)),
        4 => new JsonObject { ["id"] = id },
        _ => JsonValue.Create(42)!,
    };

    /// <summary>Every string in <paramref name="node"/> (member names included), with its dotted path.</summary>
    private static IEnumerable<(string Path, string Value)> Strings(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var member = path.Length == 0 ? name : $"{path}.{name}";
                    yield return (member + "#name", name);
                    foreach (var found in Strings(value, member))
                    {
                        yield return found;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var found in Strings(array[i], $"{path}.{i}"))
                    {
                        yield return found;
                    }
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                yield return (path, value.GetValue<string>());
                break;
        }
    }
}
