using System.Security.Claims;

namespace Genlook.Gateway.Identity;

/// <summary>OAuth scopes from the standard <c>scope</c> / <c>scp</c> claims (space-separated string or JSON array).</summary>
public static class Scopes
{
    public const string GdprErase = "gdpr:erase";

    public static bool Has(ClaimsPrincipal user, string scope)
    {
        foreach (var claim in user.Claims)
        {
            if (claim.Type is not ("scope" or "scp"))
            {
                continue;
            }

            // A JSON array arrives as one claim per element; a string as one claim of space-separated values.
            foreach (var range in claim.Value.AsSpan().Split(' '))
            {
                if (claim.Value.AsSpan()[range].SequenceEqual(scope))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
