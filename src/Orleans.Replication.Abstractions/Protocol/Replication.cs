namespace Orleans.Replication.Protocol;

/// <summary>Entries (or, with none, a probe) sent by a primary to one replica.</summary>
/// <param name="Epoch">The sender's epoch.</param>
/// <param name="LeaderIndex">The sender's node index.</param>
/// <param name="NodeCount">The group's size, as the primary knows it.</param>
/// <param name="PrevIndex">Index of the entry just before <paramref name="Entries"/>.</param>
/// <param name="PrevEpoch">Epoch of that entry: where the two logs must agree (log matching).</param>
/// <param name="Entries">Entries in index order, possibly none.</param>
/// <param name="LeaderCommit">The primary's commit index.</param>
/// <param name="LeaderLastIndex">The primary's last log index, for lag in entries.</param>
/// <param name="IsProbe">A heartbeat or leadership check: no entries and no log check.</param>
/// <param name="Sequence">Numbers the primary's calls to this replica from 1, so that the replica can tell a call that
/// overtook an earlier one (Orleans does not keep calls in order) from one that follows a real gap; 0 for a call
/// outside that order.</param>
/// <param name="Acks">Batches whose clients the replica tells once it holds their entries (see
/// <see cref="IWriteAcks"/>); null for none.</param>
/// <param name="SyncThrough">The replica is to answer only once its log is fsynced up to here (a replica whose log
/// is written buffered fsyncs for it): the primary waits for writes that are to be on disk. 0 for none.</param>
[GenerateSerializer, Immutable, Alias("orepl.AppendRequest")]
public sealed record AppendRequest(
    [property: Id(0)] long Epoch,
    [property: Id(1)] int LeaderIndex,
    [property: Id(2)] int NodeCount,
    [property: Id(3)] long PrevIndex,
    [property: Id(4)] long PrevEpoch,
    [property: Id(5)] LogEntry[] Entries,
    [property: Id(6)] long LeaderCommit,
    [property: Id(7)] long LeaderLastIndex,
    [property: Id(8)] bool IsProbe,
    [property: Id(9)] long Sequence = 0,
    [property: Id(10)] AckRoute[]? Acks = null,
    [property: Id(11)] long SyncThrough = 0);

/// <summary>Outcome of an <see cref="AppendRequest"/> or a snapshot chunk.</summary>
public enum AppendStatus : byte
{
    /// <summary>
    /// Accepted: the replica's log matches the primary's up to <see cref="AppendResponse.LastIndex"/>.
    /// </summary>
    Ok = 0,

    /// <summary>The sender's epoch is older than the replica's: the sender is deposed.</summary>
    StaleEpoch = 1,

    /// <summary>
    /// The logs do not agree at the previous index (a gap or a conflict); resend from
    /// <see cref="AppendResponse.LastIndex"/> + 1.
    /// </summary>
    Mismatch = 2,

    /// <summary>The replica is being sent a snapshot by another transfer, or needs one.</summary>
    NeedSnapshot = 3,
}

/// <summary>A replica's answer to the primary.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Epoch">The replica's epoch after handling the request.</param>
/// <param name="LastIndex">On success, the last index known to match the primary's log; on mismatch, where to resend
/// from (minus one).</param>
/// <param name="Incarnation">Id of the replica's activation: a new one means its state was lost and it must be synced
/// again.</param>
/// <param name="AppliedIndex">The replica's applied index.</param>
/// <param name="SyncedIndex">How much of what <paramref name="LastIndex"/> confirms is fsynced on the replica's disk
/// (0 for a replica keeping its log in memory).</param>
[GenerateSerializer, Immutable, Alias("orepl.AppendResponse")]
public sealed record AppendResponse(
    [property: Id(0)] AppendStatus Status,
    [property: Id(1)] long Epoch,
    [property: Id(2)] long LastIndex,
    [property: Id(3)] Guid Incarnation,
    [property: Id(4)] long AppliedIndex,
    [property: Id(5)] long SyncedIndex = 0);

/// <summary>One key of a snapshot.</summary>
[GenerateSerializer, Immutable, Alias("orepl.SnapshotItem")]
public sealed record SnapshotItem(
    [property: Id(0)] string Key,
    [property: Id(1)] byte[] Value,
    [property: Id(2)] long Version);

/// <summary>One chunk of a snapshot of the primary's applied state, sent in order.</summary>
/// <param name="Epoch">The sender's epoch.</param>
/// <param name="LeaderIndex">The sender's node index.</param>
/// <param name="SnapshotId">Identifies one transfer; chunks of another transfer restart it.</param>
/// <param name="Sequence">0-based position of this chunk in the transfer.</param>
/// <param name="LastIncludedIndex">The log index the snapshot reflects.</param>
/// <param name="LastIncludedEpoch">The epoch of that entry.</param>
/// <param name="Items">The keys in this chunk.</param>
/// <param name="IsLast">True on the final chunk: the replica installs the snapshot.</param>
/// <param name="WriteIds">Part of the ids of the writes the snapshot covers, so that a node that installed it still
/// applies a retried write once.</param>
[GenerateSerializer, Immutable, Alias("orepl.SnapshotChunk")]
public sealed record SnapshotChunk(
    [property: Id(0)] long Epoch,
    [property: Id(1)] int LeaderIndex,
    [property: Id(2)] Guid SnapshotId,
    [property: Id(3)] int Sequence,
    [property: Id(4)] long LastIncludedIndex,
    [property: Id(5)] long LastIncludedEpoch,
    [property: Id(6)] SnapshotItem[] Items,
    [property: Id(7)] bool IsLast,
    [property: Id(8)] WriteIdRecord[] WriteIds);

/// <summary>
/// A write id a node remembers: the log index it was given, and when (UTC ticks on the node that took it).
/// </summary>
[GenerateSerializer, Immutable, Alias("orepl.WriteIdRecord")]
public readonly record struct WriteIdRecord(
    [property: Id(0)] Guid WriteId,
    [property: Id(1)] long Index,
    [property: Id(2)] long Ticks);
