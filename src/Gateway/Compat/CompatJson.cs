using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Genlook.Gateway.Compat;

/// <summary>Small helpers the rules share: paths as Genlook writes them (<c>products.0.images.1</c>) and object access.</summary>
internal static class CompatJson
{
    /// <summary>
    /// A node may have one parent. The rules remove a legacy member before placing its value, so the value is usually
    /// free to reuse as is; only a node that still hangs somewhere is cloned.
    /// </summary>
    public static JsonNode? Detach(JsonNode? node) => node?.Parent is null ? node : node.DeepClone();

    public static string Join(string path, string member) => path.Length == 0 ? member : path + "." + member;

    /// <summary>The object at <paramref name="name"/>, created when absent; <c>null</c> when something else is there.</summary>
    public static JsonObject? GetOrAddObject(JsonObject parent, string name)
    {
        if (!parent.TryGetPropertyValue(name, out var existing) || existing is null)
        {
            var created = new JsonObject();
            parent[name] = created;
            return created;
        }

        return existing as JsonObject;
    }

    /// <summary>Moves a legacy value to <paramref name="name"/> of <paramref name="target"/>, or reports a conflict when a different value is there.</summary>
    public static void MoveOrConflict(JsonNode? value, JsonObject? target, string name, string legacyPath, string currentPath, List<Errors.ErrorDetail> conflicts)
    {
        if (target is null)
        {
            conflicts.Add(new Errors.ErrorDetail(currentPath, $"Expected an object where '{legacyPath}' would be moved."));
            return;
        }

        if (target.TryGetPropertyValue(name, out var current) && current is not null)
        {
            if (!JsonNode.DeepEquals(current, value))
            {
                conflicts.Add(new Errors.ErrorDetail(legacyPath, $"Conflicts with '{currentPath}': send only '{currentPath}'."));
            }

            return;
        }

        target[name] = Detach(value);
    }
}

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class CompatJsonContext : JsonSerializerContext;
