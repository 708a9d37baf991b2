using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Genlook.Emulator;
using Genlook.Gateway.Bodies;
using Genlook.Gateway.Compat;

namespace Genlook.Gateway.Tests.Compat;

/// <summary>
/// Random try-on bodies built from any mix of legacy and current spellings, with random unknown fields and, as
/// serializers such as Jackson and Newtonsoft write them, legacy fields set to null: the rewritten body is always
/// accepted by the strict emulator, keeps every unknown field, holds no null (a null legacy field makes nothing), and
/// rewriting it again changes nothing.
/// </summary>
public sealed class CompatPropertyTests : IAsyncLifetime
{
    private static readonly JsonBodyRewriter Rewriter = new(new CompatEngine(CompatRules.All));
    private GenlookEmulatorHost _emulator = null!;
    private HttpClient _genlook = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _emulator = await GenlookEmulatorHost.StartAsync(new EmulatorOptions { ApiKeys = ["k"], Strict = true });
        _genlook = new HttpClient { BaseAddress = _emulator.BaseAddress };
        _genlook.DefaultRequestHeaders.Add("x-api-key", "k");
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Infrastructure.TestImages.Png), "file", "me.png" } };
        var upload = await _genlook.PostAsync("/tryon/v1/images/upload", form);
        _imageId = (await upload.Content.ReadFromJsonAsync<JsonObject>())!["imageId"]!.GetValue<string>();
        var product = await _genlook.PostAsync("/tryon/v1/products", JsonContent.Create(new { externalId = "p-1", images = new[] { new { source = new { url = "https://cdn.example.com/p.jpg" } } } }));
        Assert.Equal(HttpStatusCode.OK, product.StatusCode);
    }

    public async Task DisposeAsync()
    {
        _genlook.Dispose();
        await _emulator.DisposeAsync();
    }

    private sealed record Sample(JsonObject Body, List<(string Path, JsonNode Value)> Unknown);

    private Gen<Sample> Bodies() =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 4], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 1_000_000])
            .Select((productForm, personForm, watermark, retention, customerId, imagesForm, flags, seed) =>
            {
                var random = new Random(seed);
                var unknown = new List<(string, JsonNode)>();
                JsonNode Unknown(string path)
                {
                    JsonNode value = random.Next(3) switch { 0 => random.Next(), 1 => "x" + random.Next(), _ => new JsonObject { ["n"] = random.Next() } };
                    unknown.Add((path, value.DeepClone()));
                    return value;
                }

                // Half the bodies also carry, set to null, some of the legacy members they do not already have.
                var withNulls = random.Next(2) == 0;
                void MaybeNull(JsonObject target, params string[] names)
                {
                    foreach (var name in names)
                    {
                        if (withNulls && !target.ContainsKey(name) && random.Next(3) == 0)
                        {
                            target[name] = null;
                        }
                    }
                }

                var body = new JsonObject();
                var inline = productForm is 0 or 1 && random.Next(2) == 0;
                var product = new JsonObject { ["externalId"] = inline ? "inline-" + random.Next(1000) : "p-1" };
                if (inline)
                {
                    product["title"] = "T";
                    product["images"] = imagesForm switch
                    {
                        0 => new JsonArray(new JsonObject { ["source"] = new JsonObject { ["url"] = "https://cdn.example.com/a.jpg" } }),
                        1 => new JsonArray(new JsonObject { ["url"] = "https://cdn.example.com/a.jpg", ["classifications"] = new JsonObject() }),
                        _ => null,
                    };
                    if (imagesForm == 2)
                    {
                        product.Remove("images");
                        product["imageUrls"] = new JsonArray("https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg");
                    }

                    if (flags > 0)
                    {
                        product[flags == 1 ? "autoClassifyImages" : "autoDetectImageRoles"] = true;
                    }

                    if (random.Next(2) == 0)
                    {
                        product["futureProductField"] = Unknown(productForm == 0 ? "products.0.futureProductField" : "products.0.futureProductField");
                    }

                    foreach (var image in (product["images"] as JsonArray ?? []).OfType<JsonObject>())
                    {
                        MaybeNull(image, "url", "fileKey");
                    }
                }

                MaybeNull(product, "imageUrls", "autoClassifyImages", "autoDetectImageRoles");

                switch (productForm)
                {
                    case 0: body["products"] = new JsonArray(product); break;
                    case 1: body["product"] = product; break;
                    case 2: body["productId"] = "p-1"; break;
                    default: body["externalProductId"] = "p-1"; break;
                }

                switch (personForm)
                {
                    case 0: body["person"] = new JsonObject { ["image"] = new JsonObject { ["source"] = new JsonObject { ["id"] = _imageId } } }; break;
                    case 1: body["customerImageId"] = _imageId; break;
                    case 2: body["customer"] = new JsonObject { ["imageId"] = _imageId }; break;
                    case 3: body["customer"] = new JsonObject { ["id"] = _imageId }; break;
                    default: body["customer"] = new JsonObject { ["source"] = new JsonObject { ["id"] = _imageId } }; break;
                }

                if (watermark == 1)
                {
                    body["useWatermark"] = false;
                }
                else if (watermark == 2)
                {
                    body["output"] = new JsonObject { ["watermark"] = true };
                }

                if (retention == 1)
                {
                    body["retentionDays"] = 3;
                }
                else if (retention == 2)
                {
                    ((JsonObject?)body["output"] ?? (JsonObject)(body["output"] = new JsonObject()))["keepForDays"] = 7;
                }

                if (customerId)
                {
                    body["customerId"] = "app-user-" + random.Next();
                }

                MaybeNull(body, "productId", "externalProductId", "customerImageId", "customer", "product", "customerId", "useWatermark", "retentionDays");
                for (var i = random.Next(3); i > 0; i--)
                {
                    var name = $"unknown{i}_{random.Next(1000)}"; // distinct names: a repeated one would overwrite the first
                    body[name] = Unknown(name);
                }

                return new Sample(body, unknown);
            });

    [Fact]
    public void Rewrite_AnyMixOfShapes_IsAcceptedByStrictGenlook_KeepsUnknownFields_AndIsIdempotent()
    {
        Bodies().Sample(sample =>
        {
            var first = Rewriter.RewriteTryOn(Encoding.UTF8.GetBytes(sample.Body.ToJsonString()), "PSEUDO");
            Assert.True(first.Errors is null, string.Join("; ", first.Errors?.Select(e => $"{e.Path}: {e.Message}") ?? []));

            var second = Rewriter.RewriteTryOn(first.Body, "PSEUDO");
            var rewritten = (JsonObject)JsonNode.Parse(first.Body)!;
            Assert.Empty(second.AppliedRules);
            Assert.True(JsonNode.DeepEquals(rewritten, JsonNode.Parse(second.Body)), "not idempotent");
            foreach (var (path, value) in sample.Unknown)
            {
                Assert.True(JsonNode.DeepEquals(Find(rewritten, path), value), $"unknown field {path} lost");
            }

            Assert.False(HasNull(rewritten), "a null legacy field made a field");
            Assert.Equal("PSEUDO", rewritten["externalUserId"]?.GetValue<string>());
            Assert.Equal(_imageId, first.PersonImageId);
            using var content = new StringContent(rewritten.ToJsonString(), Encoding.UTF8, "application/json");
            var response = _genlook.PostAsync("/tryon/v1/try-on", content).GetAwaiter().GetResult();
            Assert.True(response.StatusCode == HttpStatusCode.OK, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        }, iter: 150, threads: 1, print: s => s.Body.ToJsonString());
    }

    // The generator writes null only for legacy members.
    private static bool HasNull(JsonNode? node) => node switch
    {
        null => true,
        JsonObject members => members.Any(member => HasNull(member.Value)),
        JsonArray items => items.Any(HasNull),
        _ => false,
    };

    private static JsonNode? Find(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var segment in path.Split('.'))
        {
            node = int.TryParse(segment, out var index) ? node?[index] : node?[segment];
        }

        return node;
    }
}
