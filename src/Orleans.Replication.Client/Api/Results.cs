namespace Orleans.Replication.Client;

/// <summary>An acknowledged write.</summary>
/// <param name="Epoch">The epoch of the primary that acknowledged it.</param>
/// <param name="Version">Its log index: the version it gave the key.</param>
/// <param name="WriteId">Its id; a retry with the same id is applied at most once.</param>
public sealed record WriteResult(long Epoch, long Version, Guid WriteId)
{
    /// <summary>The session token of this write.</summary>
    public SessionToken Token => new(Epoch, Version);
}

/// <summary>The outcome of a compare-and-set.</summary>
/// <param name="Succeeded">True when the key had the expected version and the new value was written.</param>
/// <param name="Version">The new version on success; the key's current version (0 = absent) on failure.</param>
/// <param name="Epoch">The epoch of the primary that decided.</param>
public sealed record CasResult(bool Succeeded, long Version, long Epoch);

/// <summary>A value read, and where from.</summary>
/// <param name="Found">Whether the key exists.</param>
/// <param name="Value">The value, when found.</param>
/// <param name="Version">Log index of the key's last write (0 when absent).</param>
/// <param name="NodeIndex">The node that served the read.</param>
/// <param name="Epoch">That node's epoch.</param>
/// <param name="AppliedIndex">That node's applied index when it served the read.</param>
/// <param name="LagEntries">How many entries that node was behind the primary.</param>
/// <param name="LagMs">How far behind, in milliseconds.</param>
public sealed record ReadResult(
    bool Found,
    byte[]? Value,
    long Version,
    int NodeIndex,
    long Epoch,
    long AppliedIndex,
    long LagEntries,
    double LagMs
)
{
    /// <summary>The value as UTF-8 text, or null when not found.</summary>
    public string? ValueAsString => Value is null ? null : System.Text.Encoding.UTF8.GetString(Value);
}
