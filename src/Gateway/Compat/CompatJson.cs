using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat;

/// <summary>What the rules share: paths as Genlook writes them (<c>products.0.images.1</c>), moving a legacy value, and the few <see cref="JsonObject"/> reads they all make.</summary>
internal static class CompatJson
{
    public static string Join(string path, string member) => path.Length == 0 ? member : path + "." + member;

    /// <summary>Moves a legacy value to <paramref name="name"/> of <paramref name="target"/>, or reports a conflict when a different value is there.</summary>
    public static void MoveOrConflict(JsonNode value, JsonObject? target, string name, string legacyPath, string currentPath, List<ErrorDetail> conflicts)
    {
        if (target is null)
        {
            conflicts.Add(new ErrorDetail(currentPath, $"Expected an object where '{legacyPath}' would be moved."));
            return;
        }

        if (target.TryGetNonNull(name, out var current))
        {
            if (!JsonNode.DeepEquals(current, value))
            {
                conflicts.Add(new ErrorDetail(legacyPath, $"Conflicts with '{currentPath}': send only '{currentPath}'."));
            }

            return;
        }

        target[name] = Detached(value);
    }

    /// <summary>Removes <paramref name="name"/> and gives its value (<c>null</c> for JSON null); false when absent.</summary>
    public static bool Take(this JsonObject target, string name, out JsonNode? value)
    {
        if (!target.TryGetPropertyValue(name, out value))
        {
            return false;
        }

        target.Remove(name);
        return true;
    }

    /// <summary>The member <paramref name="name"/> when present and not JSON <c>null</c>.</summary>
    public static bool TryGetNonNull(this JsonObject target, string name, [NotNullWhen(true)] out JsonNode? value) =>
        target.TryGetPropertyValue(name, out value) && value is not null;

    /// <summary>The object at <paramref name="name"/>; <c>null</c> when absent or not an object.</summary>
    public static JsonObject? GetObject(this JsonObject target, string name) => target[name] as JsonObject;

    /// <summary>The array at <paramref name="name"/>; <c>null</c> when absent or not an array.</summary>
    public static JsonArray? GetArray(this JsonObject target, string name) => target[name] as JsonArray;

    /// <summary>The object at <paramref name="name"/>, created when absent or <c>null</c>; <c>null</c> when something else is there.</summary>
    public static JsonObject? GetOrAddObject(this JsonObject target, string name)
    {
        if (target.TryGetNonNull(name, out var existing))
        {
            return existing as JsonObject;
        }

        var created = new JsonObject();
        target[name] = created;
        return created;
    }

    /// <summary>A string value, escaped or not as sent.</summary>
    public static bool TryGetString(this JsonNode? node, [NotNullWhen(true)] out string? value)
    {
        value = node is JsonValue scalar && scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : null;
        return value is not null;
    }

    /// <summary>A node ready to be put under a new parent: itself when it has none, else a copy.</summary>
    [return: NotNullIfNotNull(nameof(node))]
    public static JsonNode? Detached(JsonNode? node) => node?.Parent is null ? node : node.DeepClone();
}
