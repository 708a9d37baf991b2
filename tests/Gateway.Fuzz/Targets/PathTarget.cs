using System.Text;
using Genlook.Gateway.Proxy;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Genlook.Gateway.Fuzz.Targets;

/// <summary>
/// A request line (<c>METHOD target</c>) through the real pipeline in memory (guard, routing, the route allowlist),
/// without a token: a request the gateway takes as one of its routes gets the JWT challenge (401), anything else
/// <c>404 ROUTE_NOT_FOUND</c>. What it takes as a route must be exactly one of CONTRACT §1's routes, after the
/// normalisation Kestrel does, and nothing with an encoded separator or a dot segment.
/// </summary>
internal sealed class PathTarget : IFuzzTarget, IDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly TestServer _server;

    public PathTarget()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            var settings = new Dictionary<string, string?>
            {
                // Never reached (no request carries a token); a closed loopback port all the same.
                ["Genlook:Accounts:default:BaseUrl"] = "http://127.0.0.1:9",
                ["Genlook:Accounts:default:ApiKey"] = "gk_fuzz",
                ["Attribution:Key"] = "fuzz-attribution-key-0123456789abcdef",
                ["Authentication:Schemes:Bearer:ValidIssuer"] = "fuzz",
                ["Authentication:Schemes:Bearer:ValidAudiences:0"] = "genlook-gateway",
                ["Authentication:Schemes:Bearer:SigningKeys:0:Issuer"] = "fuzz",
                ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = Convert.ToBase64String(Encoding.ASCII.GetBytes("fuzz-signing-key-0123456789abcdef-0123456789")),
                ["ConnectionStrings:Redis"] = "",
                ["Logging:LogLevel:Default"] = "None",
            };
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        });
        _server = _factory.Server;
    }

    public string Name => "path";

    public void Dispose() => _factory.Dispose();

    public void Run(ReadOnlySpan<byte> input)
    {
        if (RequestLine.Parse(input) is not { } line)
        {
            return;
        }

        var context = _server.SendAsync(c =>
        {
            c.Request.Method = line.Method;
            c.Request.Path = new PathString(line.Path);
            c.Request.QueryString = line.Query.Length > 0 ? new QueryString(line.Query) : QueryString.Empty;
            c.Features.Get<IHttpRequestFeature>()!.RawTarget = line.RawTarget;
        }).GetAwaiter().GetResult();

        var route = context.GetGatewayRoute();
        if (route is null || context.Response.StatusCode == StatusCodes.Status404NotFound)
        {
            return;
        }

        var target = line.RawTarget;
        FuzzTargets.Check(line.Method == route.Method, $"'{line.Method} {target}' accepted as {route.Id}: method is not exactly {route.Method}",
            line.Method.Equals(route.Method, StringComparison.OrdinalIgnoreCase) ? KnownDefectException.InexactRoute : null);
        var rawPath = line.RawPath;
        foreach (var encoded in (string[])["%2f", "%5c", "%2e", "%00", "%25"])
        {
            FuzzTargets.Check(!rawPath.Contains(encoded, StringComparison.OrdinalIgnoreCase), $"'{target}' accepted as {route.Id} with an encoded '{encoded}'");
        }

        FuzzTargets.Check(!rawPath.Contains('\\') && !rawPath.Contains("//", StringComparison.Ordinal), $"'{target}' accepted as {route.Id} with an empty segment or backslash");
        FuzzTargets.Check(!rawPath.Split('/').Any(s => s is "." or ".."), $"'{target}' accepted as {route.Id} with a dot segment");
        var inexact = MatchesExactly(route.Path.ToUpperInvariant(), line.Path.ToUpperInvariant().TrimEnd('/'));
        FuzzTargets.Check(MatchesExactly(route.Path, line.Path), $"'{target}' (path '{line.Path}') accepted as {route.Id}: not exactly {route.Path}",
            inexact ? KnownDefectException.InexactRoute : null);
    }

    /// <summary>The normalised path is the template, literal segments byte for byte, each parameter one non-empty segment.</summary>
    private static bool MatchesExactly(string template, string path)
    {
        var expected = template.Split('/');
        var actual = path.Split('/');
        if (expected.Length != actual.Length)
        {
            return false;
        }

        for (var i = 0; i < expected.Length; i++)
        {
            var isParameter = expected[i].StartsWith('{');
            if (isParameter ? actual[i].Length == 0 : !string.Equals(expected[i], actual[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A request line as Kestrel would hand it to the app, or <c>null</c> where Kestrel answers 400 itself. Kestrel's
    /// parser is internal, so its origin-form handling is modelled here: percent-decoding except <c>%2F</c>, then
    /// RFC 3986 §5.2.4 dot-segment removal; a decoded path that is not UTF-8 or holds NUL is refused.
    /// </summary>
    internal sealed record RequestLine(string Method, string RawTarget, string RawPath, string Path, string Query)
    {
        public static RequestLine? Parse(ReadOnlySpan<byte> input)
        {
            var space = input.IndexOf((byte)' ');
            if (space is <= 0 or > 16)
            {
                return null;
            }

            var method = input[..space];
            var target = input[(space + 1)..].TrimEnd("\r\n"u8);
            foreach (var b in method)
            {
                if (!char.IsAsciiLetter((char)b) && b != '-')
                {
                    return null;
                }
            }

            if (target.Length == 0 || target[0] != '/')
            {
                return null;
            }

            foreach (var b in target)
            {
                if (b is <= 0x20 or >= 0x7F or (byte)'#')
                {
                    return null;
                }
            }

            var raw = Encoding.ASCII.GetString(target);
            var queryStart = raw.IndexOf('?', StringComparison.Ordinal);
            var rawPath = queryStart < 0 ? raw : raw[..queryStart];
            var decoded = Decode(rawPath);
            if (decoded is null || decoded.Contains('\0'))
            {
                return null;
            }

            return new RequestLine(Encoding.ASCII.GetString(method), raw, rawPath, RemoveDotSegments(decoded), queryStart < 0 ? "" : raw[queryStart..]);
        }

        private static string? Decode(string rawPath)
        {
            var bytes = new List<byte>(rawPath.Length);
            for (var i = 0; i < rawPath.Length; i++)
            {
                if (rawPath[i] == '%' && i + 2 < rawPath.Length && Uri.IsHexDigit(rawPath[i + 1]) && Uri.IsHexDigit(rawPath[i + 2]))
                {
                    var value = Convert.ToByte(rawPath.Substring(i + 1, 2), 16);
                    if (value != '/')
                    {
                        bytes.Add(value);
                        i += 2;
                        continue;
                    }
                }

                bytes.Add((byte)rawPath[i]);
            }

            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }

        private static string RemoveDotSegments(string path)
        {
            var output = new List<string>();
            var segments = path.Split('/');
            for (var i = 1; i < segments.Length; i++)
            {
                var last = i == segments.Length - 1;
                switch (segments[i])
                {
                    case ".":
                        if (last)
                        {
                            output.Add("");
                        }

                        break;
                    case "..":
                        if (output.Count > 0)
                        {
                            output.RemoveAt(output.Count - 1);
                        }

                        if (last)
                        {
                            output.Add("");
                        }

                        break;
                    default:
                        output.Add(segments[i]);
                        break;
                }
            }

            return "/" + string.Join('/', output);
        }
    }
}
