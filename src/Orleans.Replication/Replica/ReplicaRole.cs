namespace Orleans.Replication.Replica;

/// <summary>What a node knows and keeps only while it follows a primary: how far its log is known to match the
/// primary's, when it last heard from it, a snapshot being received, and calls that overtook earlier ones.</summary>
/// <remarks>
/// Made when the node becomes a replica and dropped when it leads or leaves its group; following another primary
/// of a later epoch keeps it (the primary's calls say which leader they come from). Like the grain that holds it,
/// it is used on the grain's scheduler only.
/// </remarks>
internal sealed class ReplicaRole(long verifiedIndex, ParkedAppends parked)
{
    /// <summary>Highest index known to match the current primary's log: the commit index never passes it.</summary>
    public long VerifiedIndex { get; set; } = verifiedIndex;

    /// <summary>The primary's last index as of its last message, for lag in entries.</summary>
    public long LeaderLastIndex { get; set; }

    /// <summary>UTC ticks of the last message from the primary; 0 before the first.</summary>
    public long LastContactTicks { get; set; }

    /// <summary>The snapshot being received, chunk by chunk.</summary>
    public IncomingSnapshot? Incoming { get; set; }

    /// <summary>
    /// Calls of the primary that overtook an earlier one, parked until the entries before them arrive.
    /// </summary>
    public ParkedAppends Parked { get; } = parked;

    /// <summary>
    /// The highest <see cref="Protocol.AppendRequest.Sequence"/> handled so far of the leader <see cref="SequenceOf"/>.
    /// </summary>
    public long LastSequence { get; set; }

    /// <summary>
    /// The leader (epoch, node) whose calls <see cref="LastSequence"/> and the parked calls belong to.
    /// </summary>
    public (long Epoch, int Leader) SequenceOf { get; set; }
}
