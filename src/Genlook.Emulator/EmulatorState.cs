using System.Collections.Concurrent;

namespace Genlook.Emulator;

/// <summary>What the emulated Genlook account holds: uploads, products, generations, erased customers.</summary>
public sealed class EmulatorState
{
    private readonly ConcurrentQueue<string> _deletedCustomers = new();

    public int GenerationCount => Generations.Count;

    /// <summary>Every id passed to <c>DELETE /customers/{id}</c>, in order, duplicates kept.</summary>
    public IReadOnlyCollection<string> DeletedCustomers => _deletedCustomers.ToArray();

    internal ConcurrentDictionary<string, StoredUpload> Uploads { get; } = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<string, StoredProduct> Products { get; } = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<string, StoredGeneration> Generations { get; } = new(StringComparer.Ordinal);

    public bool ProductExists(string externalId) => Products.ContainsKey(externalId);

    public void Clear()
    {
        Uploads.Clear();
        Products.Clear();
        Generations.Clear();
        _deletedCustomers.Clear();
    }

    /// <summary>
    /// Genlook deletes the customer's images and anonymizes their generation rows; an anonymized row can no longer be
    /// read by id, so for the emulator's purposes it is simply gone.
    /// </summary>
    internal void DeleteCustomer(string customerId)
    {
        _deletedCustomers.Enqueue(customerId);
        foreach (var (id, upload) in Uploads)
        {
            if (upload.ExternalUserId == customerId)
            {
                Uploads.TryRemove(id, out _);
            }
        }

        foreach (var (id, generation) in Generations)
        {
            if (generation.ExternalUserId == customerId)
            {
                Generations.TryRemove(id, out _);
            }
        }
    }
}

internal sealed record StoredUpload(string? ExternalUserId, DateTimeOffset ExpiresAt);

/// <summary>Immutable, replaced as a whole on update, so concurrent upserts never expose a half-written product.</summary>
/// <param name="ValidForDays">Days the product lives after <paramref name="LastUsedAt"/>; <c>null</c>: kept forever.</param>
/// <param name="LastUsedAt">The last upsert or generation, which restarts the lifetime.</param>
internal sealed record StoredProduct(
    string ExternalId, string? Title, string? Description, IReadOnlyList<string> Images, int? ValidForDays, bool OneShot,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset LastUsedAt);

/// <summary><see cref="FailureCode"/> set means the generation ends <c>FAILED</c> instead of <c>COMPLETED</c>.</summary>
internal sealed record StoredGeneration(string ProductExternalId, string? ExternalUserId, DateTimeOffset CreatedAt, string? FailureCode);
