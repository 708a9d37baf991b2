using System.Collections.Concurrent;

namespace Genlook.Emulator;

/// <summary>
/// What the emulated Genlook holds, per account: each accepted <c>x-api-key</c> is an account of its own, with its own
/// uploads, catalog and generations, as on Genlook (an id from one account does not exist on another).
/// </summary>
public sealed class EmulatorState
{
    private readonly ConcurrentQueue<string> _deletedCustomers = new();
    private readonly ConcurrentDictionary<string, EmulatorAccount> _accounts = new(StringComparer.Ordinal);

    /// <summary>Generations on all accounts.</summary>
    public int GenerationCount => _accounts.Values.Sum(a => a.Generations.Count);

    /// <summary>Every id passed to <c>DELETE /customers/{id}</c> on any account, in order, duplicates kept.</summary>
    public IReadOnlyCollection<string> DeletedCustomers => _deletedCustomers.ToArray();

    /// <summary>Whether any account stores a product with this id (expired or not).</summary>
    public bool ProductExists(string externalId) => _accounts.Values.Any(a => a.Products.ContainsKey(externalId));

    public void Clear()
    {
        _accounts.Clear();
        _deletedCustomers.Clear();
    }

    internal EmulatorAccount Account(string apiKey) => _accounts.GetOrAdd(apiKey, static _ => new EmulatorAccount());

    /// <summary>Generation ids are unique across accounts; the signed result URLs carry no key.</summary>
    internal bool GenerationExists(string generationId) => _accounts.Values.Any(a => a.Generations.ContainsKey(generationId));

    internal void DeleteCustomer(EmulatorAccount account, string customerId)
    {
        _deletedCustomers.Enqueue(customerId);
        account.DeleteCustomer(customerId);
    }
}

/// <summary>One Genlook account's data.</summary>
internal sealed class EmulatorAccount
{
    public ConcurrentDictionary<string, StoredUpload> Uploads { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, StoredProduct> Products { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, StoredGeneration> Generations { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Genlook deletes the customer's images and anonymizes their generation rows; an anonymized row can no longer be
    /// read by id, so for the emulator's purposes it is simply gone.
    /// </summary>
    public void DeleteCustomer(string customerId)
    {
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
