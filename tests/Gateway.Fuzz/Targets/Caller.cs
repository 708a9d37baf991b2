namespace Genlook.Gateway.Fuzz.Targets;

/// <summary>The one caller every input is sent as: its pseudonym and the images it uploaded (what the ownership store holds).</summary>
internal static class Caller
{
    /// <summary>A pseudonym as <c>PseudonymGenerator</c> makes them: base64url, nothing to escape.</summary>
    public const string Pseudonym = "fuzz-caller_Pq7vX2aL9mT4wZ0cR8sK1bN6";

    /// <summary>The product id of the emulated <c>PATCH /products/{externalId}</c>.</summary>
    public const string PatchProductId = "p-1";

    public static readonly IReadOnlySet<string> OwnedImages = new HashSet<string>(StringComparer.Ordinal)
    {
        "img-owned-1",
        "retention-7d/acc_abc/customer/20260512-9f86d.jpeg",
    };

    /// <summary>What <c>OwnershipStore.OwnsImageAsync</c> answers for this caller: an exact match on the id.</summary>
    public static bool Owns(string imageId) => OwnedImages.Contains(imageId);
}
