namespace Orleans.Replication.WriteAhead;

/// <summary>What a node finds in its log directory at start-up.</summary>
/// <param name="Snapshot">The newest snapshot, or null.</param>
/// <param name="Entries">The entries after the snapshot, in log order, with truncations applied.</param>
/// <param name="Metadata">The latest epoch and vote, incarnation and node count.</param>
/// <param name="TrimmedBytes">Bytes of a torn last record cut from the end of the last segment.</param>
internal sealed record RecoveredLog(
    DurableSnapshot? Snapshot, IReadOnlyList<DurableEntry> Entries, LogMetadata Metadata, long TrimmedBytes)
{
    /// <summary>Index of the last entry, or of the snapshot when no entry follows it (0 when empty).</summary>
    public long LastIndex => Entries.Count > 0 ? Entries[^1].Index : Snapshot?.Index ?? 0;
}

/// <summary>A segment file as the log keeps track of it.</summary>
internal sealed class SegmentInfo(long sequence, string path)
{
    public long Sequence { get; } = sequence;

    public string Path { get; } = path;

    /// <summary>Highest entry index written in this segment (0 when none).</summary>
    public long MaxIndex { get; set; }

    public long Length { get; set; }
}
