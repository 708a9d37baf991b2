using System.Threading.RateLimiting;
using Genlook.Gateway.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.RateLimiting;

/// <summary>
/// An ASP.NET Core rate-limiter policy (attached to YARP routes by name) whose partitions are (policy, user, account)
/// and whose limiters ask the shared sliding-window store. The <c>tryon</c> policy also charges the account budget.
/// </summary>
/// <param name="policy">The policy's name (<see cref="RateLimitPolicies"/>).</param>
/// <param name="decider">Asks the shared store.</param>
/// <param name="userOutsideProxy">
/// The caller on the gateway's own endpoints (the GDPR API), where the proxy's user middleware does not run; <c>null</c>
/// for the proxied routes, whose caller is always its <see cref="IGatewayUserFeature"/>.
/// </param>
internal sealed class GatewayRateLimiterPolicy(string policy, RateLimitDecider decider, Func<HttpContext, IGatewayUserFeature?>? userOutsideProxy = null)
    : IRateLimiterPolicy<GatewayRateLimiterPolicy.PartitionKey>
{
    // One delegate for every partition, not a closure per request.
    private readonly Func<PartitionKey, RateLimiter> _newLimiter = key => new StoreBackedRateLimiter(key, decider);

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => null;

    public RateLimitPartition<PartitionKey> GetPartition(HttpContext httpContext)
    {
        if ((httpContext.Features.Get<IGatewayUserFeature>() ?? userOutsideProxy?.Invoke(httpContext)) is not { } user)
        {
            return RateLimitPartition.GetNoLimiter(new PartitionKey(policy, string.Empty, string.Empty));
        }

        return RateLimitPartition.Get(new PartitionKey(policy, user.Pseudonym, user.Account), _newLimiter);
    }

    private sealed class NotYetDecided : RateLimitLease
    {
        public static readonly NotYetDecided Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    internal readonly record struct PartitionKey(string Policy, string Pseudonym, string Account);

    /// <summary>One partition's limiter: a thin handle; the state is in the store, so instances agree.</summary>
    private sealed class StoreBackedRateLimiter(PartitionKey key, RateLimitDecider decider) : RateLimiter
    {
        private readonly RateLimitPlan _plan = decider.PlanFor(key.Policy, new GatewayUserFeature(key.Pseudonym, key.Account));
        private long _lastUsedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();

        // Lets the middleware drop idle partitions (memory stays bounded by active users).
        public override TimeSpan? IdleDuration => System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastUsedTimestamp));

        public override RateLimiterStatistics? GetStatistics() => null;

        // The decision needs the store: "not acquired" here sends the middleware to AcquireAsync, which asks it.
        protected override RateLimitLease AttemptAcquireCore(int permitCount) => NotYetDecided.Instance;

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        {
            Interlocked.Exchange(ref _lastUsedTimestamp, System.Diagnostics.Stopwatch.GetTimestamp());
            return decider.DecideAsync(_plan, cancellationToken);
        }
    }
}
