using System.ComponentModel.DataAnnotations;

namespace Genlook.Gateway.Identity;

/// <summary>Configuration section <c>Attribution</c>: how users are pseudonymised towards Genlook.</summary>
public sealed class AttributionOptions
{
    public const string SectionName = "Attribution";

    /// <summary>
    /// Secret key of the pseudonym hash (HMAC-SHA256 of the token's <c>sub</c>). Required; at least 32 characters.
    /// The same on every instance; changing it changes every user's <c>externalUserId</c>.
    /// </summary>
    [Required(ErrorMessage = "Attribution:Key is required (a secret of at least 32 characters).")]
    [MinLength(32, ErrorMessage = "Attribution:Key must be at least 32 characters.")]
    public string Key { get; set; } = string.Empty;
}
