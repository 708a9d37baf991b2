using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L12 (1.0–1.2): product image <c>{ url | fileKey, classifications? }</c> → <c>{ "source": { url | fileKey }, classifications? }</c>.</summary>
internal sealed class L12FlatProductImage : ICompatRule
{
    private static readonly string[] References = ["url", "fileKey"];

    public string Id => "L12";

    public CompatSurface Surface => CompatSurface.Product;

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_3;

    public bool TryRewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        if (target["images"] is not JsonArray images)
        {
            return false;
        }

        var applied = false;
        for (var i = 0; i < images.Count; i++)
        {
            if (images[i] is not JsonObject image)
            {
                continue;
            }

            var source = new JsonObject();
            foreach (var reference in References)
            {
                if (image.TryGetPropertyValue(reference, out var value))
                {
                    image.Remove(reference);
                    source[reference] = CompatJson.Detach(value);
                }
            }

            if (source.Count == 0)
            {
                continue;
            }

            applied = true;
            var imagePath = CompatJson.Join(path, $"images.{i}");
            CompatJson.MoveOrConflict(source, image, "source", imagePath + "." + string.Join("|", source.Select(p => p.Key)), imagePath + ".source", conflicts);
        }

        return applied;
    }
}
