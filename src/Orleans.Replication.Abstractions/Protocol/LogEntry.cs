namespace Orleans.Replication.Protocol;

/// <summary>What a log entry does to the key-value state.</summary>
public enum LogOperation : byte
{
    /// <summary>Sets a key.</summary>
    Put = 0,

    /// <summary>Removes a key.</summary>
    Delete = 1,

    /// <summary>Changes nothing; a new primary appends one to commit what earlier epochs left.</summary>
    Noop = 2,
}

/// <summary>One write in a group's replication log.</summary>
/// <param name="Index">Position in the log; also the version the write gives its key.</param>
/// <param name="Epoch">Epoch of the primary that assigned <paramref name="Index"/>.</param>
/// <param name="Operation">What the entry does.</param>
/// <param name="Key">The key written (empty for <see cref="LogOperation.Noop"/>).</param>
/// <param name="Value">The value put, or null.</param>
/// <param name="WriteId">The client's id of the write, so that a retry is recognised and applied once.</param>
/// <param name="CreatedTicks">UTC ticks at which the primary appended the entry, for lag in time.</param>
[GenerateSerializer, Immutable, Alias("orepl.LogEntry")]
public sealed record LogEntry(
    [property: Id(0)] long Index,
    [property: Id(1)] long Epoch,
    [property: Id(2)] LogOperation Operation,
    [property: Id(3)] string Key,
    [property: Id(4)] byte[]? Value,
    [property: Id(5)] Guid WriteId,
    [property: Id(6)] long CreatedTicks);
