using Orleans.Replication.Protocol;

namespace Orleans.Replication.Primary;

/// <summary>What a primary knows of one replica: how far its log matches, what is in flight to it.</summary>
/// <remarks>
/// <see cref="MatchIndex"/> only grows within one <see cref="Incarnation"/> of the replica. When a reply comes
/// from a new incarnation (the replica was activated again and lost its state), everything the old one
/// confirmed stops counting, so an emptied replica never counts toward a quorum before it has caught up.
/// <see cref="Generation"/> changes whenever the primary rewinds what it sends; replies to older generations
/// may still raise <see cref="MatchIndex"/> but never move <see cref="NextIndex"/>.
/// </remarks>
internal sealed class ReplicaLink(int nodeIndex, IReplicaNodeGrain node)
{
    private readonly HashSet<Guid> _retired = [];

    public int NodeIndex { get; } = nodeIndex;

    public IReplicaNodeGrain Node { get; } = node;

    /// <summary>Highest index known to match the primary's log on this replica's current incarnation.</summary>
    public long MatchIndex { get; set; }

    /// <summary>
    /// Highest index of <see cref="MatchIndex"/> the replica reported fsynced (this incarnation): what counts toward
    /// writes that must be on disk.
    /// </summary>
    public long SyncedIndex { get; set; }

    /// <summary>The highest <see cref="AppendRequest.SyncThrough"/> sent since the last rewind.</summary>
    public long SentSync { get; set; }

    /// <summary>
    /// The replica's applied index as of its last reply (this incarnation): the primary's measure of its lag.
    /// </summary>
    public long AppliedIndex { get; set; }

    /// <summary>Next index to send.</summary>
    public long NextIndex { get; set; } = 1;

    /// <summary>
    /// Replication calls sent so far (not probes), which number them for the replica
    /// (<see cref="AppendRequest.Sequence"/>).
    /// </summary>
    public long Sequence { get; set; }

    /// <summary>Replication calls awaiting a reply.</summary>
    public int InFlight { get; set; }

    /// <summary>Bumped whenever <see cref="NextIndex"/> is rewound.</summary>
    public int Generation { get; private set; }

    /// <summary>The replica activation the primary is talking to; empty before the first reply.</summary>
    public Guid Incarnation { get; private set; }

    /// <summary>The commit index last sent to this replica.</summary>
    public long SentCommit { get; set; }

    /// <summary>A snapshot transfer is running; no entries are sent meanwhile.</summary>
    public bool SnapshotInProgress { get; set; }

    /// <summary>The index a running snapshot reflects; the log must keep the entries after it.</summary>
    public long SnapshotIndex { get; set; }

    /// <summary>Nothing is sent before this time (UTC ticks) after a failed call.</summary>
    public long RetryAtTicks { get; set; }

    /// <summary>Consecutive failed calls, for back-off.</summary>
    public int Failures { get; set; }

    /// <summary>UTC ticks of the last reply of any kind.</summary>
    public long LastReplyTicks { get; set; }

    /// <summary>Why the last call failed, for status.</summary>
    public string? LastError { get; set; }

    /// <summary>
    /// Takes note of a reply saying that the replica's log matches the primary's up to <paramref name="lastIndex"/>.
    /// </summary>
    /// <remarks>
    /// A replica parks calls that overtook an earlier one and answers them with what matches so far (see
    /// <c>ParkedAppends</c>). When every call is answered and the replica still holds less than was sent, it dropped
    /// parked calls behind one it never got: sending starts again from what it holds. Call after <see cref="InFlight"/>
    /// counts the reply.
    /// </remarks>
    public void Accepted(long lastIndex, long primaryLastIndex, long syncedIndex = 0)
    {
        MatchIndex = Math.Max(MatchIndex, Math.Min(lastIndex, primaryLastIndex));
        SyncedIndex = Math.Max(SyncedIndex, Math.Min(syncedIndex, Math.Min(lastIndex, primaryLastIndex)));
        NextIndex = Math.Max(NextIndex, MatchIndex + 1);
        if (InFlight == 0 && MatchIndex < NextIndex - 1)
        {
            Rewind(MatchIndex + 1);
        }
    }

    /// <summary>
    /// Starts sending again from <paramref name="nextIndex"/>, ignoring replies in flight for positioning.
    /// </summary>
    public void Rewind(long nextIndex)
    {
        Generation++;
        NextIndex = Math.Max(1, nextIndex);
        SentSync = SyncedIndex;
    }

    /// <summary>
    /// Takes note of the incarnation in a reply; false when the reply comes from a retired one and must be ignored.
    /// </summary>
    public bool Observe(Guid incarnation)
    {
        if (incarnation == Incarnation)
        {
            return true;
        }

        if (_retired.Contains(incarnation))
        {
            return false;
        }

        if (Incarnation != Guid.Empty)
        {
            _retired.Add(Incarnation);
        }

        // A new activation holds nothing the old one confirmed.
        Incarnation = incarnation;
        MatchIndex = 0;
        SyncedIndex = 0;
        AppliedIndex = 0;
        Rewind(1);
        return true;
    }
}
