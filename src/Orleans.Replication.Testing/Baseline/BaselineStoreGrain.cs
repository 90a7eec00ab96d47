namespace Orleans.Replication.Testing.Baseline;

/// <summary>
/// A plain in-memory dictionary in one grain, with no replication: what a replicated write is measured against.
/// </summary>
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed class BaselineStoreGrain : Grain, IBaselineStoreGrain
{
    private readonly Dictionary<string, (byte[] Value, long Version)> _values = new(StringComparer.Ordinal);
    private long _version;

    public Task<long> PutAsync(string key, byte[] value)
    {
        ReplicationLimits.ValidateKey(key);
        ReplicationLimits.ValidateValue(value);
        _values[key] = (value, ++_version);
        return Task.FromResult(_version);
    }

    public Task<byte[]?> GetAsync(string key) =>
        Task.FromResult(_values.TryGetValue(key, out var v) ? v.Value : null);
}
