using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat.Rules;

/// <summary>L12 (1.0–1.2): product image <c>{ url | fileKey, classifications? }</c> → <c>{ "source": { url | fileKey }, classifications? }</c>.</summary>
internal sealed class L12FlatProductImage : ICompatRule
{
    public string Id => "L12";

    public CompatSurface Surface => CompatSurface.ProductImage;

    public IReadOnlyList<string> LegacyNames { get; } = ["url", "fileKey"];

    public DateTimeOffset DeprecatedAt => GenlookReleases.V1_3;

    public ICompatShape? Rewrite(JsonObject target, string path, List<ErrorDetail> conflicts)
    {
        var hasUrl = target.Take("url", out var url);
        var hasFileKey = target.Take("fileKey", out var fileKey);
        if (!hasUrl && !hasFileKey)
        {
            return null;
        }

        var source = new JsonObject();
        if (hasUrl)
        {
            source["url"] = url;
        }

        if (hasFileKey)
        {
            source["fileKey"] = fileKey;
        }

        if (!target.TryGetNonNull("source", out var current))
        {
            target["source"] = source;
        }
        else if (!JsonNode.DeepEquals(current, source))
        {
            var legacy = hasUrl && hasFileKey ? "url|fileKey" : hasUrl ? "url" : "fileKey";
            conflicts.Add(new ErrorDetail($"{path}.{legacy}", $"Conflicts with '{path}.source': send only '{path}.source'."));
        }

        return this;
    }
}
