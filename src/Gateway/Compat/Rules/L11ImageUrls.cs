using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L11 (alpha, deprecated in v1): product <c>imageUrls: ["u", …]</c> → <c>images: [{ "source": { "url": "u" } }, …]</c>.</summary>
internal sealed class L11ImageUrls : ICompatRule
{
    public string Id => "L11";

    public CompatSurface Surface => CompatSurface.Product;

    public IReadOnlyList<string> LegacyMembers { get; } = ["imageUrls"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_0;

    public ICompatShape? Rewrite(CompatObject target, string path, List<ErrorDetail> conflicts)
    {
        if (!target.Remove("imageUrls", out var urls))
        {
            return null;
        }

        var legacyPath = CompatJson.Join(path, "imageUrls");
        if (urls.AsArray() is not { } list)
        {
            conflicts.Add(new ErrorDetail(legacyPath, "Expected an array of URLs."));
            return this;
        }

        var images = new CompatArray();
        for (var i = 0; i < list.Count; i++)
        {
            var source = new CompatObject();
            source.Set("url", list[i]);
            var image = new CompatObject();
            image.Set("source", source);
            images.Add(CompatValue.Of(image));
        }

        // L12 runs first, so existing images are already in the current shape and compare like for like.
        CompatJson.MoveOrConflict(CompatValue.Of(images), target, "images", legacyPath, CompatJson.Join(path, "images"), conflicts);
        return this;
    }
}
