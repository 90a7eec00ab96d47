namespace Orleans.Replication;

/// <summary>The control plane of one group, keyed by the group name.</summary>
/// <remarks>
/// Writes and reads never pass through it: clients cache its route and refresh it when told it is stale. Calls are
/// <see cref="UnorderedCallAttribute">unordered</see>: routes carry epochs, and a client never goes back to an older
/// one.
/// </remarks>
[Alias("orepl.IGroupCoordinatorGrain")]
public interface IGroupCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>
    /// The group's current epoch and primary; creates the group from the silo's defaults on first use.
    /// </summary>
    [UnorderedCall, Alias("GetRoute")]
    Task<GroupRoute> GetRouteAsync();

    /// <summary>
    /// Creates the group with <paramref name="configuration"/>; returns the route. Fails if it exists with another
    /// size.
    /// </summary>
    [UnorderedCall, Alias("Create")]
    Task<GroupRoute> CreateAsync(GroupConfiguration configuration);

    /// <summary>Epoch, primary and the status of every node (unreachable nodes reported unhealthy).</summary>
    [UnorderedCall, Alias("GetStatus")]
    Task<GroupStatus> GetStatusAsync();

    /// <summary>
    /// Planned switchover to node <paramref name="target"/> (or the most up-to-date replica): the target catches up
    /// fully, then leads a new epoch.
    /// </summary>
    [UnorderedCall, Alias("Switchover")]
    Task<GroupRoute> SwitchoverAsync(int? target);

    /// <summary>
    /// Adds a replica (node index N of a group of N): it is synced fully (snapshot, then the log) while counting toward
    /// no quorum, then joins the group in a new epoch. Fails, changing nothing, when it does not catch up within
    /// <paramref name="timeout"/> or the group is at its maximum size.
    /// </summary>
    [UnorderedCall, Alias("AddReplica")]
    Task<GroupRoute> AddReplicaAsync(TimeSpan timeout);

    /// <summary>
    /// Removes a replica: the node with the highest index leaves the group in a new epoch (after a switchover when it
    /// is the primary) and forgets its data. Fails when the group has a single node.
    /// </summary>
    [UnorderedCall, Alias("RemoveReplica")]
    Task<GroupRoute> RemoveReplicaAsync(TimeSpan timeout);

    /// <summary>
    /// Told by a silo's membership watcher that <paramref name="silo"/> is dead: fails over at once if the primary
    /// lived there.
    /// </summary>
    [UnorderedCall, Alias("OnSiloDead")]
    Task OnSiloDeadAsync(string silo);

    /// <summary>
    /// Told by a client that the primary did not answer: checks it at once instead of waiting for the next periodic
    /// check.
    /// </summary>
    [UnorderedCall, Alias("ReportPrimaryTrouble")]
    Task ReportPrimaryTroubleAsync(long epoch);

    /// <summary>
    /// An operator's way out of a group left without a primary: promotes the best reachable node under a new epoch.
    /// Without <paramref name="acceptLoss"/> it refuses (with <see cref="InvalidOperationException"/>, saying why)
    /// unless the promotion provably keeps every acknowledged write; with it, it promotes anyway and says what may be
    /// lost.
    /// </summary>
    [UnorderedCall, Alias("Recover")]
    Task<RecoveryResult> RecoverAsync(bool acceptLoss);

    /// <summary>
    /// Where a new activation of node <paramref name="index"/> should go: an active silo holding no other node of the
    /// group, no silo when the coordinator knows too little to say, or a refusal while the node's data is on the disk
    /// of a silo that may yet return. Asked by the silos' placement, not by users.
    /// </summary>
    [UnorderedCall, Alias("PlaceNode")]
    Task<NodePlacement> PlaceNodeAsync(int index);
}

/// <summary>The coordinator's answer to placement for a new activation of a node.</summary>
/// <param name="Silo">The silo to place it on; null to let placement decide.</param>
/// <param name="Refusal">Why it must not be activated anywhere now, or null.</param>
[GenerateSerializer, Immutable, Alias("orepl.NodePlacement")]
public sealed record NodePlacement(
    [property: Id(0)] Orleans.Runtime.SiloAddress? Silo,
    [property: Id(1)] string? Refusal = null);
