using BenchmarkDotNet.Attributes;
using Genlook.Gateway.Benchmarks.LoadSupport;
using Genlook.Gateway.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Genlook.Gateway.Benchmarks.Micro;

/// <summary>What every request pays for identity: validating the JWT, then the HMAC pseudonym of its subject.</summary>
[MemoryDiagnoser]
public class IdentityBenchmarks
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly PseudonymGenerator _pseudonyms = new(Options.Create(new AttributionOptions { Key = "benchmark-attribution-key-0123456789abcdef" }));
    private readonly TokenValidationParameters _parameters = new()
    {
        ValidIssuer = LoadTokens.Issuer,
        ValidAudience = LoadTokens.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(LoadTokens.Key),
    };

    private readonly string _token = LoadTokens.For("auth0|5f1e7b0c2a", TimeSpan.FromHours(1));

    [Benchmark(Baseline = true)]
    public async Task<bool> ValidateToken() => (await _handler.ValidateTokenAsync(_token, _parameters)).IsValid;

    [Benchmark]
    public async Task<string> ValidateTokenAndPseudonym()
    {
        var result = await _handler.ValidateTokenAsync(_token, _parameters);
        return _pseudonyms.For((string)result.Claims["sub"]);
    }

    [Benchmark]
    public string PseudonymOnly() => _pseudonyms.For("auth0|5f1e7b0c2a");
}
