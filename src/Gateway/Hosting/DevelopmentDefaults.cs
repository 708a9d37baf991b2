namespace Genlook.Gateway.Hosting;

/// <summary>
/// The embedded defaults that make <c>dotnet run --project src/Gateway</c> work on a fresh clone in Development:
/// the in-process emulator as the only account, a development signing key for tokens, a development attribution key.
/// They sit below every other configuration source, so appsettings, user secrets and environment variables win.
/// Outside Development none of this exists and the same keys are required (options validation names them).
/// </summary>
internal static class DevelopmentDefaults
{
    public const string Issuer = "genlook-gateway-dev";
    public const string Audience = "genlook-gateway";

    /// <summary>Public on purpose: it signs development tokens only and is refused outside Development.</summary>
    public const string SigningKeyBase64 = "ZGV2ZWxvcG1lbnQtb25seS1nZW5sb29rLWdhdGV3YXktc2lnbmluZy1rZXktMDAx";

    public const string EmulatorApiKey = "gk_dev_emulator";

    public static WebApplicationBuilder AddDevelopmentDefaults(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment())
        {
            return builder;
        }

        var defaults = new Dictionary<string, string?>
        {
            ["Genlook:Emulator:Enabled"] = "true",
            ["Attribution:Key"] = "development-only-attribution-key-never-use-in-production",
            ["Authentication:Schemes:Bearer:ValidIssuer"] = Issuer,
            ["Authentication:Schemes:Bearer:ValidAudiences:0"] = Audience,
            ["Authentication:Schemes:Bearer:SigningKeys:0:Issuer"] = Issuer,
            ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = SigningKeyBase64,
        };

        // The emulator's account only when the developer configured none: beside a real account it would be a second
        // account, and which one requests spend would depend on Genlook:DefaultAccount.
        if (!builder.Configuration.GetSection("Genlook:Accounts").GetChildren().Any())
        {
            defaults["Genlook:Accounts:default:ApiKey"] = EmulatorApiKey;
        }

        // Lowest precedence: insert before the JSON files, user secrets and environment variables.
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });
        return builder;
    }
}
