using System.Buffers;

namespace Orleans.Replication.WriteAhead;

/// <summary>Work a log hands its writer, in the order it was asked for.</summary>
/// <remarks>
/// Appends that arrive while the writer is busy go into one <see cref="PendingWorkKind.Records"/> item, encoded at
/// once (the caller may reuse its buffers when the append returns) and sharing one completion: that is the batch
/// the writer writes with one call and fsyncs with one fsync.
/// </remarks>
internal sealed class PendingWork
{
    private PendingWork(PendingWorkKind kind) => Kind = kind;

    public PendingWorkKind Kind { get; }

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ArrayBufferWriter<byte> Records { get; } = new();

    /// <summary>The batch completes only once fsynced, in <see cref="LogSyncMode.Buffered"/> too.</summary>
    public bool MustSync { get; set; }

    /// <summary>Highest entry index in <see cref="Records"/> (0 when none).</summary>
    public long MaxIndex { get; set; }

    /// <summary>The next entry index when the batch started; names a segment the batch opens.</summary>
    public long FirstIndex { get; private init; }

    public DurableSnapshot? Snapshot { get; private init; }

    /// <summary>The log's metadata after everything queued before the snapshot.</summary>
    public LogMetadata Metadata { get; private init; } = LogMetadata.Empty;

    public static PendingWork ForRecords(long firstIndex) => new(PendingWorkKind.Records) { FirstIndex = firstIndex };

    public static PendingWork ForSnapshot(DurableSnapshot snapshot, LogMetadata metadata) =>
        new(PendingWorkKind.Snapshot) { Snapshot = snapshot, Metadata = metadata };

    public static PendingWork ForClose() => new(PendingWorkKind.Close);
}

internal enum PendingWorkKind
{
    Records,
    Snapshot,
    Close,
}
