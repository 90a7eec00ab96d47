namespace Orleans.Hosting;

/// <summary>
/// Orleans settings of the whole silo that the replicated store's healing times rely on. <c>AddReplication()</c>
/// applies <see cref="Recommended"/>; pass another value to keep the silo's own choice for a part.
/// </summary>
/// <remarks>
/// Every silo of a cluster should run the same settings: a silo that detects failures slowly holds back the votes of
/// the others, and the grain directory is a cluster-wide choice.
/// </remarks>
[Flags]
public enum ReplicationClusterSettings
{
    /// <summary>Leaves the grain directory and failure detection as the silo configures them.</summary>
    None = 0,

    /// <summary>
    /// The distributed grain directory (experimental in Orleans 10.4.2) with its range lease off
    /// (<c>GrainDirectoryOptions.RangeLeaseDuration = TimeSpan.Zero</c>).
    /// </summary>
    /// <remarks>
    /// <para>The classic directory loses the entries a crashed silo held; a call can then activate a second copy of a
    /// live node, empty, beside the one that holds the data. The distributed directory keeps one activation per
    /// node.</para>
    /// <para>With its default lease the distributed directory refuses, for about 22 s after a silo is declared dead,
    /// new activations of the grains the dead silo held or whose ring range it owned, so a lost node could not be
    /// re-created for that long and a second fault would find the group short. With the lease off, a dead silo's grains
    /// are re-activated at once, at the cost of a short window in which a silo declared dead but still running may hold
    /// a second activation of a grain. The store's node grains fence that with epochs and incarnation ids; other grains
    /// of the same silo get no such protection, so choose <see cref="None"/> or <see cref="FastFailureDetection"/>
    /// alone if they cannot bear it.</para>
    /// </remarks>
    DistributedGrainDirectory = 1,

    /// <summary>
    /// Fast failure detection: <c>ClusterMembershipOptions.ProbeTimeout</c> 1 s, <c>NumMissedProbesLimit</c> 2,
    /// <c>NumVotesForDeathDeclaration</c> 1, <c>EnableConnectionLivenessCheck</c> and <c>EnableIndirectProbes</c> off,
    /// <c>TableRefreshTimeout</c> 2 s.
    /// </summary>
    /// <remarks>
    /// <para>A crashed silo is declared dead in about 1–2 s instead of Orleans' 10–15 s, so a group whose primary
    /// it held fails over that much sooner. The cost: a silo stalled for more than about 2 s (a long garbage-collection
    /// pause, an overloaded machine) may be declared dead too and stops itself. Epochs make that safe for the store; it
    /// costs a needless failover, and under heavy load such false suspicions become more frequent.</para>
    /// <para>The connection-liveness check is off because a frozen process keeps its connections open and recent
    /// traffic on them suppressed the votes against it (it was declared dead only about 8 s into a pause). Indirect
    /// probes are off because with one vote enough to declare a death they add nothing, and when the relaying silo is
    /// dead too (two of three processes lost) the relayed probe fails as "unknown", counts as no miss, and the survivor
    /// never declares either dead.</para>
    /// <para>The membership table is read every 2 s instead of every minute: a silo declared dead while frozen serves
    /// on after it resumes until it next reads the table (seen 4–17 s with the default); an overdue read fires as the
    /// process resumes, so it stops itself at once. It costs one read of the membership store per silo every 2
    /// s.</para>
    /// </remarks>
    FastFailureDetection = 2,

    /// <summary>
    /// Both: what the store's healing times (a lost node re-created within seconds) are measured with.
    /// </summary>
    Recommended = DistributedGrainDirectory | FastFailureDetection,
}
