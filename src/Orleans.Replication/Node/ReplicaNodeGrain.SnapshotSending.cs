using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>The primary's side of catching up a replica that is new, emptied, or behind the retained log.</summary>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>Sends the applied state in chunks, then lets the log tail follow from the snapshot's index.</summary>
    /// <remarks>
    /// The snapshot is a copy taken in one turn, so writes go on while it is sent; the log keeps the entries after
    /// its index (compaction respects <c>SnapshotIndex</c>) unless the hard retention bound forces another round.
    /// </remarks>
    private async Task SendSnapshotAsync(ReplicaLink link)
    {
        var epoch = _epoch;
        var generation = link.Generation;
        var snapshotIndex = _state.AppliedIndex;
        _log.TryGetEpoch(snapshotIndex, out var snapshotEpoch);
        var items = _state.Snapshot();
        var writeIds = _writeIds.Snapshot(snapshotIndex);
        var id = Guid.NewGuid();
        var chunkSize = _options.SnapshotChunkSize;
        var idChunkSize = chunkSize * WriteIdsPerKey;
        var chunks = Math.Max(
            1,
            Math.Max((items.Length + chunkSize - 1) / chunkSize, (writeIds.Length + idChunkSize - 1) / idChunkSize)
        );

        link.SnapshotInProgress = true;
        link.SnapshotIndex = snapshotIndex;
        long synced = 0;
        LogSnapshotStarted(_group, _index, link.NodeIndex, snapshotIndex, items.Length, chunks);
        try
        {
            for (var c = 0; c < chunks; c++)
            {
                var part = Slice(items, c, chunkSize);
                var ids = Slice(writeIds, c, idChunkSize);
                var chunk = new SnapshotChunk(
                    epoch,
                    _index,
                    id,
                    c,
                    snapshotIndex,
                    snapshotEpoch,
                    part,
                    c == chunks - 1,
                    ids
                );
                AppendResponse reply;
                link.InFlight++;
                try
                {
                    reply = await link
                        .Node.InstallSnapshotAsync(chunk)
                        .WaitAsync(_options.ReplicationCallTimeout, _time);
                }
                catch (Exception e)
                {
                    link.InFlight--;
                    link.SnapshotInProgress = false;
                    OnCallFailed(link, generation, e);
                    return;
                }

                link.InFlight--;
                if (reply.Epoch > _epoch)
                {
                    link.SnapshotInProgress = false;
                    StepDown(reply.Epoch);
                    return;
                }

                if (
                    _primary is null
                    || _epoch != epoch
                    || reply.Status != AppendStatus.Ok
                    || !link.Observe(reply.Incarnation)
                )
                {
                    link.SnapshotInProgress = false;
                    if (_primary is not null)
                    {
                        link.Rewind(link.MatchIndex + 1);
                        Pump(link);
                    }

                    return;
                }

                synced = reply.SyncedIndex;
            }

            link.MatchIndex = Math.Max(link.MatchIndex, snapshotIndex);
            link.SyncedIndex = Math.Max(link.SyncedIndex, Math.Min(synced, snapshotIndex));
            link.AppliedIndex = Math.Max(link.AppliedIndex, snapshotIndex);
            link.Rewind(snapshotIndex + 1);
            link.LastReplyTicks = NowTicks;
            LogSnapshotDone(_group, _index, link.NodeIndex, snapshotIndex);
        }
        finally
        {
            link.SnapshotInProgress = false;
        }

        AdvanceCommit();
        Pump(link);
    }

    /// <summary>
    /// Write ids per key of <c>SnapshotChunkSize</c> in one chunk: an id is small, a value may not be.
    /// </summary>
    private const int WriteIdsPerKey = 16;

    private static T[] Slice<T>(T[] all, int chunk, int size)
    {
        var start = (long)chunk * size;
        return start >= all.Length ? [] : all.AsSpan((int)start, (int)Math.Min(size, all.Length - start)).ToArray();
    }

    [Microsoft.Extensions.Logging.LoggerMessage(
        Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "Primary {Group}/{Index} sends node {Replica} a snapshot at index {SnapshotIndex}: {Keys} keys in " +
            "{Chunks} chunks."
    )]
    private partial void LogSnapshotStarted(
        string group,
        int index,
        int replica,
        long snapshotIndex,
        int keys,
        int chunks
    );

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "Primary {Group}/{Index} finished sending node {Replica} its snapshot at index {SnapshotIndex}.")]
    private partial void LogSnapshotDone(string group, int index, int replica, long snapshotIndex);
}
