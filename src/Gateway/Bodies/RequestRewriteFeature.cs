namespace Genlook.Gateway.Bodies;

/// <summary>What the body stage found in the body it forwards (<c>HttpRequest.Body</c>, rewound), for the stages after it (image ownership, ownership TTLs).</summary>
public interface IRequestRewriteFeature
{
    /// <summary>The <c>keepForDays</c> the forwarded request carries, when it carries one.</summary>
    int? KeepForDays { get; }

    /// <summary>The image a try-on's person references (<c>person.image.source.id</c>, as forwarded); <c>null</c> when none.</summary>
    string? PersonImageId { get; }
}

internal sealed record RequestRewriteFeature(int? KeepForDays, string? PersonImageId) : IRequestRewriteFeature;
