using System.Text;

namespace Orleans.Replication.Client;

/// <summary>Text conveniences: values as UTF-8 strings.</summary>
public static class ReplicatedOperationsExtensions
{
    /// <summary>Sets <paramref name="key"/> to the UTF-8 bytes of <paramref name="value"/>.</summary>
    public static Task<WriteResult> PutAsync(
        this IReplicatedOperations store,
        string key,
        string value,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(value);
        return store.PutAsync(key, Encoding.UTF8.GetBytes(value), options, cancellationToken);
    }

    /// <summary>Compare-and-set with a UTF-8 text value.</summary>
    public static Task<CasResult> CompareAndSetAsync(
        this IReplicatedOperations store,
        string key,
        long expectedVersion,
        string value,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(value);
        return store.CompareAndSetAsync(
            key,
            expectedVersion,
            Encoding.UTF8.GetBytes(value),
            options,
            cancellationToken
        );
    }

    /// <summary>Reads <paramref name="key"/> with the given consistency.</summary>
    public static Task<ReadResult> GetAsync(
        this IReplicatedOperations store,
        string key,
        ReadConsistency consistency,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.GetAsync(key, new ReadOptions { Consistency = consistency }, cancellationToken);
    }
}
