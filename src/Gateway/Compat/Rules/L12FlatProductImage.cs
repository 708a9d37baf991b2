using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L12 (1.0–1.2): product image <c>{ url | fileKey, classifications? }</c> → <c>{ "source": { url | fileKey }, classifications? }</c>.</summary>
internal sealed class L12FlatProductImage : ICompatRule
{
    public string Id => "L12";

    public CompatSurface Surface => CompatSurface.Product;

    // Its members are on each image, not on the product: Rewrite drops the null ones itself.
    public IReadOnlyList<string> LegacyMembers { get; } = [];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_3;

    public ICompatShape? Rewrite(CompatObject target, string path, List<ErrorDetail> conflicts)
    {
        if (target.GetArray("images") is not { } images)
        {
            return null;
        }

        var applied = false;
        for (var i = 0; i < images.Count; i++)
        {
            if (images.GetObject(i) is not { } image)
            {
                continue;
            }

            var hasUrl = image.Remove("url", out var url);
            var hasFileKey = image.Remove("fileKey", out var fileKey);
            if (!hasUrl && !hasFileKey)
            {
                continue;
            }

            // One sent as null is dropped and moves nothing, as the engine does for the other rows' members.
            applied = true;
            hasUrl &= !url.IsNull;
            hasFileKey &= !fileKey.IsNull;
            if (!hasUrl && !hasFileKey)
            {
                continue;
            }

            var source = new CompatObject();
            if (hasUrl)
            {
                source.Set("url", url);
            }

            if (hasFileKey)
            {
                source.Set("fileKey", fileKey);
            }

            if (!image.TryGetNonNull("source", out var current))
            {
                image.Set("source", source);
            }
            else if (!CompatValue.DeepEquals(current, CompatValue.Of(source)))
            {
                var imagePath = CompatJson.Join(path, $"images.{i}");
                var legacy = hasUrl && hasFileKey ? "url|fileKey" : hasUrl ? "url" : "fileKey";
                conflicts.Add(new ErrorDetail($"{imagePath}.{legacy}", $"Conflicts with '{imagePath}.source': send only '{imagePath}.source'."));
            }
        }

        return applied ? this : null;
    }
}
