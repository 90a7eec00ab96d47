using Orleans.Replication.Protocol;
using Orleans.Replication.Replica;

namespace Orleans.Replication.Node;

/// <summary>
/// The replica's side of catching up from a snapshot: receiving its chunks in order, then installing it.
/// </summary>
internal sealed partial class ReplicaNodeGrain
{
    /// <summary>Snapshots this activation installed.</summary>
    internal int SnapshotsInstalled { get; private set; }

    public async Task<AppendResponse> InstallSnapshotAsync(SnapshotChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (!await KnowsEpochFloorAsync())
        {
            return Respond(AppendStatus.StaleEpoch, VerifiedIndex);
        }

        var response = InstallSnapshot(chunk);
        return _disk is null ? response : await AnswerWhenDurableAsync(response, chunk.Epoch, _nodeCount);
    }

    private AppendResponse InstallSnapshot(SnapshotChunk chunk)
    {
        if (AcceptLeader(chunk.Epoch, chunk.LeaderIndex, _nodeCount) is not { } replica)
        {
            return Respond(AppendStatus.StaleEpoch, VerifiedIndex);
        }

        if (chunk.Sequence == 0)
        {
            replica.Incoming = new IncomingSnapshot(chunk.SnapshotId);
        }
        else if (
            replica.Incoming is not { } started
            || started.Id != chunk.SnapshotId
            || started.NextSequence != chunk.Sequence
        )
        {
            replica.Incoming = null;
            return Respond(AppendStatus.NeedSnapshot, replica.VerifiedIndex);
        }

        var incoming = replica.Incoming;
        incoming.Items.AddRange(chunk.Items);
        incoming.WriteIds.AddRange(chunk.WriteIds ?? []);
        incoming.NextSequence++;
        if (!chunk.IsLast)
        {
            return Respond(AppendStatus.Ok, replica.VerifiedIndex);
        }

        if (chunk.LastIncludedIndex <= _commitIndex)
        {
            // We already hold at least this much: keep our state, it is a superset.
            replica.Incoming = null;
            return Respond(AppendStatus.Ok, replica.VerifiedIndex);
        }

        _state.Install(incoming.Items, chunk.LastIncludedIndex);
        _log.Reset(chunk.LastIncludedIndex, chunk.LastIncludedEpoch);
        _writeIds.Clear();
        _writeIds.Restore(incoming.WriteIds, NowTicks);
        WriteInstalledSnapshot(chunk.LastIncludedIndex, chunk.LastIncludedEpoch, [.. incoming.Items],
            [.. incoming.WriteIds]);
        _commitIndex = chunk.LastIncludedIndex;
        replica.VerifiedIndex = chunk.LastIncludedIndex;
        replica.Incoming = null;
        _caughtUp = true;
        SnapshotsInstalled++;
        ReleaseAppliedWaiters();
        LogSnapshotInstalled(_group, _index, chunk.LastIncludedIndex, _state.Count);
        return Respond(AppendStatus.Ok, replica.VerifiedIndex);
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "Node {Group}/{Index} installed a snapshot at index {SnapshotIndex} with {Keys} keys.")]
    private partial void LogSnapshotInstalled(string group, int index, long snapshotIndex, int keys);
}
