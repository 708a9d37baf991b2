using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Benchmarks.LoadSupport;

/// <summary>The identity of the load test: one HS256 key, issuer and audience, and N users' tokens (one per line).</summary>
public static class LoadTokens
{
    public const string Issuer = "https://bench.idp.local";
    public const string Audience = "genlook-gateway-bench";
    public static readonly byte[] Key = "load-harness-signing-key-0123456789-abcdefghij"u8.ToArray();

    public static string For(string subject, TimeSpan lifetime) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Expires = DateTime.UtcNow + lifetime,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["scope"] = "catalog:write" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Key), SecurityAlgorithms.HmacSha256),
        });

    public static int Write(string[] args)
    {
        var count = int.Parse(Argument(args, "--count") ?? "100", System.Globalization.CultureInfo.InvariantCulture);
        var output = Argument(args, "--out") ?? "tokens.txt";
        File.WriteAllLines(output, Enumerable.Range(0, count).Select(i => For($"bench-user-{i}", TimeSpan.FromHours(2))));
        Console.WriteLine($"{count} tokens -> {output} (key base64 {Convert.ToBase64String(Key)})");
        return 0;
    }

    internal static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
