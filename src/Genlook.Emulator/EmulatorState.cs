using System.Collections.Concurrent;

namespace Genlook.Emulator;

/// <summary>What the emulated Genlook account holds: uploads, products, generations, erased customers.</summary>
public sealed class EmulatorState
{
    internal ConcurrentDictionary<string, StoredUpload> Uploads { get; } = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<string, StoredProduct> Products { get; } = new(StringComparer.Ordinal);

    internal ConcurrentDictionary<string, StoredGeneration> Generations { get; } = new(StringComparer.Ordinal);

    private readonly ConcurrentQueue<string> _deletedCustomers = new();

    public int GenerationCount => Generations.Count;

    /// <summary>Every id passed to <c>DELETE /customers/{id}</c>, in order, duplicates kept.</summary>
    public IReadOnlyCollection<string> DeletedCustomers => _deletedCustomers.ToArray();

    public bool ProductExists(string externalId) => Products.ContainsKey(externalId);

    public void Clear()
    {
        Uploads.Clear();
        Products.Clear();
        Generations.Clear();
        _deletedCustomers.Clear();
    }

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

internal sealed class StoredProduct
{
    public required string ExternalId { get; init; }

    public string? Title { get; set; }

    public string? Description { get; set; }

    public List<string> Images { get; set; } = [];

    public int? ValidForDays { get; set; }

    public bool OneShot { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed record StoredGeneration(string ProductExternalId, string? ExternalUserId, DateTimeOffset CreatedAt, string? FailureCode);
