namespace Orleans.Replication;

/// <summary>Where a write must be before it is acknowledged on each node that counts toward its concern.</summary>
/// <remarks>
/// Levels are ordered: a write may ask for more than its group's level, never less (it gets the group's level).
/// </remarks>
public enum Durability
{
    /// <summary>In the node's memory: lost when a majority of the group's processes crash at once.</summary>
    Memory = 0,

    /// <summary>
    /// Written to the node's log file (the operating system's page cache), fsynced at least every 100 ms: survives
    /// kill -9 of every process, not a power cut of a majority of machines.
    /// </summary>
    Buffered = 1,

    /// <summary>Fsynced to the node's log file: survives a power cut of every machine.</summary>
    Disk = 2,
}
