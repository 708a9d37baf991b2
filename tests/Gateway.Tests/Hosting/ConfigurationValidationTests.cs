using Genlook.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Tests.Hosting;

/// <summary>Outside Development, a configuration that would run insecurely or not at all stops start-up, naming the key.</summary>
public sealed class ConfigurationValidationTests
{
    [Theory]
    [InlineData("Genlook:Accounts:default:ApiKey", "", "Genlook:Accounts:default:ApiKey")]
    [InlineData("Attribution:Key", "", "Attribution:Key")]
    [InlineData("Attribution:Key", "too-short", "Attribution:Key")]
    [InlineData("Genlook:Accounts:default:BaseUrl", "https://api.genlook.app/tryon/v1", "Genlook:Accounts:default:BaseUrl")]
    [InlineData("Genlook:Timeout", "-00:00:01", "Genlook:Timeout")]
    // Keys whose issuer is not the valid issuer are not loaded: no signing key at all.
    [InlineData("Authentication:Schemes:Bearer:SigningKeys:0:Issuer", "https://unrelated.test", "Authentication:Schemes:Bearer")]
    public async Task Startup_WithoutRequiredKey_FailsNamingIt(string key, string value, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { [key] = value });
        });

        var messages = Flatten(error);
        Assert.Contains(named, messages);
    }

    [Fact]
    public async Task Startup_WithDefaultAccountNamingNoAccount_FailsNamingIt()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var app = await GatewayApp.StartAsync(settings: new Dictionary<string, string?> { ["Genlook:DefaultAccount"] = "nope" });
        });

        Assert.Contains("Genlook:DefaultAccount", Flatten(error));
    }

    private static string Flatten(Exception error)
    {
        var all = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            all.Add(e.Message);
            if (e is OptionsValidationException validation)
            {
                all.AddRange(validation.Failures);
            }

            if (e is AggregateException aggregate)
            {
                all.AddRange(aggregate.InnerExceptions.Select(Flatten));
            }
        }

        return string.Join("\n", all);
    }
}
