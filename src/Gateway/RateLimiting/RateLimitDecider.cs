using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.RateLimiting;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Observability;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// Turns a policy and a user into rules, asks the store, and publishes the verdict: the IETF <c>RateLimit-Policy</c> /
/// <c>RateLimit</c> headers (draft-ietf-httpapi-ratelimit-headers) on every limited response, and a metric. A request
/// the gateway itself then refuses (ownership's 403/404) stays charged (CONTRACT §6: probing ids costs budget), so the
/// header written here is its final state.
/// </summary>
/// <para>
/// A <c>local</c> policy is decided by <see cref="LocalRateLimiter"/> in memory (no await); without Redis (embedded
/// mode) there is only the one instance's store, which is exact for it, and every policy asks that.
/// </para>
internal sealed class RateLimitDecider(
    IRateLimitStore store, IOptions<RateLimitingOptions> options, IHttpContextAccessor accessor, RateLimitingMetrics metrics,
    LocalRateLimiter? local = null)
{
    private readonly RateLimitingOptions _options = options.Value;

    // RateLimit-Policy depends on the policy alone: written once per policy, not per request.
    private readonly Dictionary<string, string> _policyHeaders = RateLimitPolicies.All.ToDictionary(p => p, p => PolicyHeader(options.Value, p));

    // Span tag names per policy, made once rather than concatenated per request.
    private static readonly Dictionary<string, string> DecisionTags = RateLimitPolicies.All.ToDictionary(p => p, p => "gateway.ratelimit." + p);

    /// <summary>The rules a user is held to under a policy (the keys are made here, once per limiter partition).</summary>
    public RateLimitPlan PlanFor(string policy, IGatewayUserFeature user)
    {
        var own = _options.Get(policy);
        // Options validation keeps tryon and account in one mode, so the user's policy decides for both.
        var isLocal = local is not null && own.EffectiveMode == RateLimitMode.Local;
        var userRule = new RateLimitRule(policy, RateLimitKeys.UserPolicy(user, policy), own.PermitLimit!.Value, own.Window!.Value);
        if (policy != RateLimitPolicies.TryOn)
        {
            return new RateLimitPlan([userRule], null, isLocal);
        }

        var account = _options.Get(RateLimitPolicies.Account);
        var accountRule = new RateLimitRule(RateLimitPolicies.Account, RateLimitKeys.AccountBudget(user.Account), account.PermitLimit!.Value, account.Window!.Value);
        return new RateLimitPlan([userRule, accountRule], RateLimitKeys.AccountHold(user.Account), isLocal);
    }

    public ValueTask<RateLimitLease> DecideAsync(RateLimitPlan plan, CancellationToken cancellationToken)
    {
        var request = new RateLimitRequest(plan.Rules, plan.HoldKey);
        if (plan.Local && local is not null)
        {
            // Decided without Redis for three intervals: counted as the fallback, which is what the fallback alert watches.
            var online = local.Online;
            return ValueTask.FromResult(Publish(request, local.Decide(request), online ? "local" : "fallback"));
        }

        return DecideSharedAsync(request, cancellationToken);
    }

    private async ValueTask<RateLimitLease> DecideSharedAsync(RateLimitRequest request, CancellationToken cancellationToken)
    {
        var decision = await store.AcquireAsync(request, cancellationToken);
        return Publish(request, decision, decision.FromFallback ? "fallback" : "shared");
    }

    private RateLimitLease Publish(RateLimitRequest request, RateLimitDecision decision, string source)
    {
        var policy = request.Rules[0].Policy; // the user's own rule comes first
        metrics.Decided(policy, decision, source);
        GatewayTelemetry.TagRequestSpan(DecisionTags[policy], decision.Allowed ? (decision.FromFallback ? "allowed-fallback" : "allowed") : "rejected");

        // The limiter API carries no HttpContext; the request that is asking is the current one.
        if (accessor.HttpContext is { } context)
        {
            context.Response.Headers["RateLimit-Policy"] = _policyHeaders[policy];
            context.Response.Headers["RateLimit"] = StateHeader(request, decision);
        }

        return decision.Allowed ? Lease.Acquired : new Lease(decision.RetryAfter);
    }

    /// <summary><c>RateLimit-Policy</c>: <c>"reads";q=300;w=60</c>, and for try-ons the account budget after the user's.</summary>
    internal static string PolicyHeader(RateLimitingOptions options, string policy)
    {
        static string Item(string name, RateLimitPolicyOptions rule) =>
            string.Create(CultureInfo.InvariantCulture, $"\"{name}\";q={rule.PermitLimit};w={(long)rule.Window!.Value.TotalSeconds}");

        var own = Item(policy, options.Get(policy));
        return policy == RateLimitPolicies.TryOn ? own + ", " + Item(RateLimitPolicies.Account, options.Get(RateLimitPolicies.Account)) : own;
    }

    /// <summary><c>RateLimit</c>: <c>"reads";r=299;t=60</c> per rule, in the order of <c>RateLimit-Policy</c>.</summary>
    internal static string StateHeader(RateLimitRequest request, RateLimitDecision decision)
    {
        var handler = new DefaultInterpolatedStringHandler(0, 0, CultureInfo.InvariantCulture, stackalloc char[128]);
        for (var i = 0; i < request.Rules.Count; i++)
        {
            if (i > 0)
            {
                handler.AppendLiteral(", ");
            }

            handler.AppendLiteral("\"");
            handler.AppendFormatted(request.Rules[i].Policy);
            handler.AppendLiteral("\";r=");
            handler.AppendFormatted(decision.States[i].Remaining);
            handler.AppendLiteral(";t=");
            handler.AppendFormatted((long)Math.Ceiling(decision.States[i].ResetAfter.TotalSeconds));
        }

        return handler.ToStringAndClear();
    }

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } value && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = value;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}

/// <summary>A policy's rules for one user (the user's own first), the account hold that applies (try-ons), and whether the policy is <c>local</c>.</summary>
internal sealed record RateLimitPlan(IReadOnlyList<RateLimitRule> Rules, string? HoldKey, bool Local = false);
