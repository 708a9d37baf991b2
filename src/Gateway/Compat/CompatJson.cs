using Genlook.Gateway.Errors;

namespace Genlook.Gateway.Compat;

/// <summary>Small helpers the rules share: paths as Genlook writes them (<c>products.0.images.1</c>) and moving a legacy value.</summary>
internal static class CompatJson
{
    public static string Join(string path, string member) => path.Length == 0 ? member : path + "." + member;

    /// <summary>Moves a legacy value to <paramref name="name"/> of <paramref name="target"/>, or reports a conflict when a different value is there.</summary>
    public static void MoveOrConflict(CompatValue value, CompatObject? target, string name, string legacyPath, string currentPath, List<ErrorDetail> conflicts)
    {
        if (target is null)
        {
            conflicts.Add(new ErrorDetail(currentPath, $"Expected an object where '{legacyPath}' would be moved."));
            return;
        }

        if (target.TryGetNonNull(name, out var current))
        {
            if (!CompatValue.DeepEquals(current, value))
            {
                conflicts.Add(new ErrorDetail(legacyPath, $"Conflicts with '{currentPath}': send only '{currentPath}'."));
            }

            return;
        }

        target.Set(name, value);
    }
}
