using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Client;

/// <summary>The entry point of the client library: one per cluster client, thread-safe.</summary>
public interface IReplicatedStore
{
    /// <summary>The client of group <paramref name="name"/>; the group is created with the silo's defaults on first
    /// use.</summary>
    /// <exception cref="ArgumentException">The name is not a valid group name.</exception>
    IReplicatedGroup Group(string name);

    /// <summary>
    /// Creates group <paramref name="name"/> with <paramref name="configuration"/> (idempotent for the same
    /// configuration).
    /// </summary>
    Task<IReplicatedGroup> CreateGroupAsync(
        string name,
        GroupConfiguration configuration,
        CancellationToken cancellationToken = default
    );
}

/// <summary>Reads and writes of one group.</summary>
/// <remarks>
/// Thread-safe. Every operation has a deadline. Writes go to the primary, found through a cached route that is
/// refreshed when a node says it is not the primary; retries reuse the write's id, so a write is applied at
/// most once. Only <see cref="WriteConcern.Majority"/> and <see cref="WriteConcern.All"/> writes survive every
/// automatic failover; <c>WaitForReplicas(k)</c> below a majority may be lost (see <see cref="WriteConcern"/>).
/// </remarks>
public interface IReplicatedGroup : IReplicatedOperations
{
    /// <summary>The group's name.</summary>
    string Name { get; }

    /// <summary>A session with read-your-writes and monotonic reads, optionally resumed from a token.</summary>
    IReplicatedSession OpenSession(SessionToken? token = null);

    /// <summary>Resumes a session from the text form of its token (<see cref="SessionToken.ToString"/>,
    /// <c>"epoch:index"</c>), as a web application carries it between requests.</summary>
    /// <exception cref="FormatException">The text is not a session token.</exception>
    IReplicatedSession ResumeSession(string token);

    /// <summary>
    /// The group's routing snapshot from its load balancer: nodes in rotation (or why not), load, lag and the read
    /// policy.
    /// </summary>
    Task<RoutingSnapshot> GetRoutingAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the group's read policy: the strategy that spreads reads, the lag above which a replica leaves the
    /// rotation, the maximum load per node.</summary>
    /// <exception cref="ArgumentException">The policy is invalid; nothing changed.</exception>
    Task<RoutingSnapshot> SetReadPolicyAsync(ReadRoutingPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>Epoch, primary, and each node's role, silo, indexes, lag and health.</summary>
    Task<GroupStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Planned switchover: node <paramref name="target"/> (or the most up-to-date replica) catches up fully, then leads
    /// a new epoch. No acknowledged write is lost; writes pause for that window.
    /// </summary>
    Task<GroupRoute> SwitchoverAsync(int? target = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a replica: a new node is synced fully (snapshot, then the log) while counting toward no quorum, then joins
    /// the group in a new epoch, raising N by one. Writes pause briefly at the change. Fails, changing nothing, if the
    /// node does not catch up within <paramref name="timeout"/> (default 60 s) or the group has 7 nodes.
    /// </summary>
    Task<GroupRoute> AddReplicaAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes a replica, lowering N by one: the node with the highest index leaves in a new epoch (after a planned
    /// switchover if it is the primary) and forgets its data. Fails when the group has a single node.
    /// </summary>
    Task<GroupRoute> RemoveReplicaAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Brings a group left without a primary back: promotes the best reachable node under a new epoch. Without
    /// <paramref name="acceptLoss"/> it refuses, changing nothing, unless the node provably holds every acknowledged
    /// write (the group then recovers by itself anyway); with it, it promotes the best node it can reach and the
    /// result says what may have been lost.
    /// </summary>
    /// <exception cref="InvalidOperationException">Refused: the group has a primary, no node answers, or loss is not
    /// accepted.</exception>
    Task<RecoveryResult> RecoverAsync(bool acceptLoss = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds or removes replicas, one at a time, until the group has <paramref name="nodeCount"/> nodes (1..7).
    /// </summary>
    Task<GroupRoute> ResizeAsync(
        int nodeCount,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>
    /// The cached route, refreshed from the coordinator when <paramref name="refresh"/> is set or none is cached.
    /// </summary>
    Task<GroupRoute> GetRouteAsync(bool refresh = false, CancellationToken cancellationToken = default);
}

/// <summary>
/// A client session: its reads see its own writes and never go back in time, across replicas and failovers.
/// </summary>
public interface IReplicatedSession : IReplicatedOperations
{
    /// <summary>
    /// The newest (epoch, index) this session has written or read; carry its text form to resume the session elsewhere.
    /// </summary>
    SessionToken Token { get; }
}

/// <summary>The operations shared by a group and a session.</summary>
public interface IReplicatedOperations
{
    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">Bad key, value or options; nothing was written.</exception>
    /// <exception cref="WriteConcernTimeoutException">The concern did not hold in time; the outcome is
    /// unknown.</exception>
    /// <exception cref="WriteOutcomeUnknownException">The primary could not be heard in time after the write was
    /// sent.</exception>
    /// <exception cref="NoPrimaryException">No primary accepted the write before the deadline, or the group has no
    /// reachable majority; nothing was written.</exception>
    /// <exception cref="QueueFullException">The group has no primary and too many writes already wait for one; nothing
    /// was written.</exception>
    /// <exception cref="ReplicationTimeoutException">The write waited for a primary until its deadline and was never
    /// sent; nothing was written.</exception>
    Task<WriteResult> PutAsync(
        string key,
        byte[] value,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>Removes <paramref name="key"/> (a no-op write when absent).</summary>
    Task<WriteResult> DeleteAsync(
        string key,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>
    /// Sets <paramref name="key"/> only if its version is <paramref name="expectedVersion"/> (0 = the key must be
    /// absent).
    /// </summary>
    Task<CasResult> CompareAndSetAsync(
        string key,
        long expectedVersion,
        byte[] value,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>Reads <paramref name="key"/> under the consistency asked for.</summary>
    /// <exception cref="NoAvailableNodeException">No node could serve the read under that consistency in
    /// time.</exception>
    Task<ReadResult> GetAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default);
}
