namespace Orleans.Replication.Testing.Baseline;

/// <summary>
/// A plain, non-replicated key-value grain: the baseline that replicated writes are measured against.
/// </summary>
[Alias("orepl.IBaselineStoreGrain")]
public interface IBaselineStoreGrain : IGrainWithStringKey
{
    /// <summary>Stores a value and returns its version.</summary>
    [Alias("Put")]
    Task<long> PutAsync(string key, byte[] value);

    /// <summary>Reads a value.</summary>
    [Alias("Get")]
    Task<byte[]?> GetAsync(string key);
}
