namespace Orleans.Replication.WriteAhead;

/// <summary>When an append completes.</summary>
internal enum LogSyncMode
{
    /// <summary>Once the record is fsynced: it survives a power cut.</summary>
    Disk,

    /// <summary>
    /// Once the record is written to the file (the page cache): it survives a process crash, not a power cut.
    /// The writer still fsyncs at least every <see cref="DurableLogOptions.BufferedFlushInterval"/>.
    /// </summary>
    Buffered,
}

/// <summary>Settings of the write-ahead logs a <see cref="DiskWriter"/> serves.</summary>
internal sealed class DurableLogOptions
{
    public const long DefaultSegmentSize = 64L * 1024 * 1024;
    public const int DefaultMaxRecordSize = 16 * 1024 * 1024;

    public static readonly TimeSpan DefaultBufferedFlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>A segment is closed and the next one started once it has grown past this many bytes.</summary>
    public long SegmentSize { get; set; } = DefaultSegmentSize;

    /// <summary>Largest record body accepted; recovery also uses it to tell a length from garbage.</summary>
    public int MaxRecordSize { get; set; } = DefaultMaxRecordSize;

    public LogSyncMode SyncMode { get; set; } = LogSyncMode.Disk;

    /// <summary>In <see cref="LogSyncMode.Buffered"/>, the longest a written record waits for its fsync.</summary>
    public TimeSpan BufferedFlushInterval { get; set; } = DefaultBufferedFlushInterval;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(SegmentSize, 4096, nameof(SegmentSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordSize, 1024, nameof(MaxRecordSize));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BufferedFlushInterval, TimeSpan.Zero,
            nameof(BufferedFlushInterval));
    }
}
