using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L11 (alpha, deprecated in v1): product <c>imageUrls: ["u", …]</c> → <c>images: [{ "source": { "url": "u" } }, …]</c>.</summary>
internal sealed class L11ImageUrls : ICompatRule
{
    public string Id => "L11";

    public CompatSurface Surface => CompatSurface.Product;

    public IReadOnlyList<string> LegacyNames { get; } = ["imageUrls"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (!target.Take("imageUrls", out var urls))
        {
            return null;
        }

        var legacyPath = CompatJson.Join(path, "imageUrls");
        if (urls is not JsonArray list)
        {
            conflicts.Add(new ErrorDetail(legacyPath, "Expected an array of URLs."));
            return this;
        }

        var images = new JsonArray();
        foreach (var url in list)
        {
            images.Add(new JsonObject { ["source"] = new JsonObject { ["url"] = CompatJson.Detached(url) } });
        }

        // L12 runs first, so existing images are already in the current shape and compare like for like.
        CompatJson.MoveOrConflict(images, target, "images", legacyPath, CompatJson.Join(path, "images"), conflicts);
        return this;
    }
}
