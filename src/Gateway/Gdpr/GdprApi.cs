using System.Security.Cryptography;
using Genlook.Gateway.Errors;
using Genlook.Gateway.Identity;
using Genlook.Gateway.Proxy;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Genlook.Gateway.Gdpr;

/// <summary>The erase endpoints (CONTRACT §1, §8).</summary>
public static partial class GdprApi
{
    public static WebApplication MapGdprApi(this WebApplication app)
    {
        var gdpr = app.MapGroup("/gdpr");
        gdpr.MapDelete("/users/{subject}", EraseUserAsync).RequireAuthorization(Scopes.GdprErase);
        gdpr.MapDelete("/me", EraseMeAsync).RequireAuthorization(IdentityExtensions.UserPolicy).RequireRateLimiting(RateLimiting.RateLimitPolicies.Gdpr);
        gdpr.MapGet("/jobs/{jobId}", GetJobAsync).RequireAuthorization(IdentityExtensions.UserPolicy);
        return app;
    }

    private static Task<IResult> EraseUserAsync(HttpContext context, [FromServices] GdprJobAcceptor acceptor)
    {
        // The server decodes the path except %2F; decode the raw segment exactly once instead, so any subject an IdP
        // issues (auth0|…, URLs, a literal '%') round-trips. Hosts without a raw target (the test server) leave only %2F.
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        string subject;
        if (!string.IsNullOrEmpty(raw) && raw.StartsWith("/gdpr/users/", StringComparison.OrdinalIgnoreCase))
        {
            var query = raw.IndexOf('?', StringComparison.Ordinal);
            var segment = (query >= 0 ? raw[..query] : raw)["/gdpr/users/".Length..];
            if (segment.Contains('/', StringComparison.Ordinal))
            {
                // Routing tolerates a trailing slash and resolves dot segments, but the raw text keeps them: "alice/" or
                // "x/../alice" would erase a subject nobody has. An erase must not guess which user was meant.
                return Task.FromResult(GatewayErrors.ValidationFailed("subject", "The subject is one path segment: encode any '/' in it as %2F.").ToResult());
            }

            subject = Uri.UnescapeDataString(segment);
        }
        else
        {
            subject = (context.Request.RouteValues["subject"] as string ?? string.Empty).Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        }

        if (subject.Length is 0 or > 1024)
        {
            return Task.FromResult(GatewayErrors.ValidationFailed("subject", "The subject must be 1-1024 characters.").ToResult());
        }

        return acceptor.AcceptAsync(context, subject);
    }

    private static Task<IResult> EraseMeAsync(HttpContext context, [FromServices] GdprJobAcceptor acceptor) =>
        acceptor.AcceptAsync(context, context.User.FindFirst("sub")!.Value);

    private static async Task<IResult> GetJobAsync(HttpContext context, string jobId, [FromServices] GdprJobStore jobs, [FromServices] PseudonymGenerator pseudonyms)
    {
        var job = await jobs.GetAsync(jobId, context.RequestAborted);
        var caller = pseudonyms.For(context.User.FindFirst("sub")!.Value);
        var allowed = job is not null && (Scopes.Has(context.User, Scopes.GdprErase) || job.Pseudonym == caller || job.RequestedBy == caller);
        if (!allowed)
        {
            return new GatewayError("JOB_NOT_FOUND", "No such job.", StatusCodes.Status404NotFound).ToResult();
        }

        return TypedResults.Json(GdprJobView.From(job!), GdprJsonContext.Default.GdprJobView);
    }
}

/// <summary>Accepts an erase request: the job is stored durably and queued before <c>202</c> is answered.</summary>
internal sealed partial class GdprJobAcceptor(
    GdprJobStore jobs, IGdprQueue queue, PseudonymGenerator pseudonyms, IOptions<GenlookOptions> genlook, TimeProvider time,
    GdprMetrics metrics, ILogger<GdprJobAcceptor> logger)
{
    public async Task<IResult> AcceptAsync(HttpContext context, string subject)
    {
        var job = new GdprJob
        {
            JobId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            CreatedAt = time.GetUtcNow(),
            Pseudonym = pseudonyms.For(subject),
            RequestedBy = pseudonyms.For(context.User.FindFirst("sub")!.Value),
            Targets = [.. genlook.Value.Accounts.Keys.Select(a => new GdprTarget { Name = GdprJob.GenlookTarget(a) }), new GdprTarget { Name = GdprJob.StoreTarget }],
        };

        await jobs.SaveAsync(job, context.RequestAborted);
        try
        {
            await queue.EnqueueAsync(job.JobId, context.RequestAborted);
        }
        catch (Exception ex) when (Storage.RedisErrors.IsOutage(ex))
        {
            await jobs.DeleteAsync(job.JobId, CancellationToken.None);
            throw new Storage.StoreUnavailableException("The erase job could not be queued.", ex);
        }

        metrics.Jobs.Add(1, new KeyValuePair<string, object?>("gdpr.job.state", "accepted"));
        LogAccepted(logger, job.JobId, job.Targets.Count);
        context.Response.Headers.Location = "/gdpr/jobs/" + job.JobId;
        return TypedResults.Json(new GdprAccepted(job.JobId, job.Status), GdprJsonContext.Default.GdprAccepted, statusCode: StatusCodes.Status202Accepted);
    }

    [LoggerMessage(7000, LogLevel.Information, "GDPR audit: job {JobId} accepted with {Targets} targets.")]
    private static partial void LogAccepted(ILogger logger, string jobId, int targets);
}
