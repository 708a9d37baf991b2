using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Genlook.Gateway.Proxy;

/// <summary>
/// CONTRACT §1: a request is a route only as the route spells it. ASP.NET Core routing matches literal segments
/// case-insensitively and tolerates a trailing slash; this policy then rules out every endpoint whose template the path
/// does not spell exactly (ordinal literals, no empty segment, no trailing slash), and every endpoint for a connection
/// upgrade (WebSocket, SPDY), which no route of the gateway or of Genlook is. What is left is the fallback:
/// <c>404 ROUTE_NOT_FOUND</c>. Applies to every endpoint (proxied routes, GDPR, health), so a new one is exact too.
/// </summary>
internal sealed class ExactRouteMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // After YARP's header and query matchers; the order among selector policies does not change the outcome.
    public override int Order => 1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint is RouteEndpoint route && !IsCatchAllOnly(route.RoutePattern))
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var path = httpContext.Request.Path.Value.AsSpan();
        bool? upgrade = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint is RouteEndpoint route && !IsCatchAllOnly(route.RoutePattern) &&
                ((upgrade ??= IsUpgrade(httpContext)) || !SpellsExactly(route.RoutePattern, path) || MisspellsMethod(route, httpContext.Request.Method)))
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Whether <paramref name="path"/> spells <paramref name="pattern"/> exactly; parameter values may be anything non-empty.</summary>
    internal static bool SpellsExactly(RoutePattern pattern, ReadOnlySpan<char> path)
    {
        var segments = pattern.PathSegments;
        if (segments.Count == 0)
        {
            return path is "" or "/";
        }

        for (var i = 0; i < segments.Count; i++)
        {
            var parts = segments[i].Parts;
            if (parts is [RoutePatternParameterPart { IsCatchAll: true }])
            {
                return true; // routing matched the rest
            }

            if (path.IsEmpty)
            {
                return OmittableFrom(segments, i);
            }

            if (path[0] != '/')
            {
                return false;
            }

            path = path[1..];
            var end = path.IndexOf('/');
            var segment = end < 0 ? path : path[..end];
            path = end < 0 ? default : path[end..];
            if (segment.IsEmpty || !SpellsSegment(parts, segment))
            {
                return false;
            }
        }

        return path.IsEmpty; // what is left is a trailing slash or more segments
    }

    private static bool SpellsSegment(IReadOnlyList<RoutePatternPart> parts, ReadOnlySpan<char> segment)
    {
        switch (parts)
        {
            case [RoutePatternLiteralPart literal]:
                return segment.SequenceEqual(literal.Content);
            case [RoutePatternParameterPart]:
                return true;
            default:
                // A complex segment ("{name}.{ext}"): routing checked its shape; its literals must also appear as spelled, in order.
                foreach (var part in parts)
                {
                    var text = part switch { RoutePatternLiteralPart l => l.Content, RoutePatternSeparatorPart s => s.Content, _ => null };
                    var at = text is null ? 0 : segment.IndexOf(text, StringComparison.Ordinal);
                    if (at < 0)
                    {
                        return false;
                    }

                    segment = segment[(at + (text?.Length ?? 0))..];
                }

                return true;
        }
    }

    /// <summary>The remaining segments may be left out: each an optional, defaulted or catch-all parameter.</summary>
    private static bool OmittableFrom(IReadOnlyList<RoutePatternPathSegment> segments, int index)
    {
        for (var i = index; i < segments.Count; i++)
        {
            if (segments[i].Parts is not [RoutePatternParameterPart parameter] || !(parameter.IsOptional || parameter.IsCatchAll || parameter.Default is not null))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Methods are case-sensitive (RFC 9110 §9.1) but routing compares them ignoring case, so <c>get</c> would be taken as
    /// <c>GET</c> and forwarded as <c>get</c>. Only a method the endpoint names in another case is ruled out, so a CORS
    /// preflight (<c>OPTIONS</c>, matched through the metadata's preflight flag) still reaches its endpoint.
    /// </summary>
    private static bool MisspellsMethod(RouteEndpoint route, string method)
    {
        if (route.Metadata.GetMetadata<IHttpMethodMetadata>() is not { HttpMethods.Count: > 0 } metadata)
        {
            return false;
        }

        var misspelled = false;
        foreach (var allowed in metadata.HttpMethods)
        {
            if (string.Equals(allowed, method, StringComparison.Ordinal))
            {
                return false;
            }

            misspelled |= string.Equals(allowed, method, StringComparison.OrdinalIgnoreCase);
        }

        return misspelled;
    }

    /// <summary>The fallback's <c>{**path}</c>: it answers what no route matched, so it is never ruled out.</summary>
    private static bool IsCatchAllOnly(RoutePattern pattern) =>
        pattern.PathSegments is [{ Parts: [RoutePatternParameterPart { IsCatchAll: true }] }];

    private static bool IsUpgrade(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true ||
        context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true;
}
