using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Client;

/// <summary>Per-write settings.</summary>
public sealed record WriteOptions
{
    /// <summary>When to acknowledge; default <see cref="WriteConcern.Majority"/>.</summary>
    public WriteConcern Concern { get; init; } = WriteConcern.Majority;

    /// <summary>The write's deadline; null takes the client's default (5 s).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The write's id; set it to retry a write whose outcome was unknown. Null makes a new id.</summary>
    public Guid? WriteId { get; init; }

    /// <summary>
    /// The least durability the write needs; null takes the group's. A write gets its group's level (the silos'
    /// <c>Durability</c>): asking for less changes nothing, asking for more than the group keeps is refused with
    /// <see cref="ArgumentException"/> and nothing is written.
    /// </summary>
    public Durability? Durability { get; init; }
}

/// <summary>Per-read settings.</summary>
public sealed record ReadOptions
{
    /// <summary>
    /// The guarantee asked for; null takes <see cref="ReadConsistency.Strong"/> outside a session,
    /// <see cref="ReadConsistency.Session"/> in one.
    /// </summary>
    public ReadConsistency? Consistency { get; init; }

    /// <summary>The read's deadline; null takes the client's default (5 s).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// The strategy that picks the node among those in rotation, for this read only; null takes the group's
    /// (<see cref="IReplicatedGroup.SetReadPolicyAsync"/>). Strong reads always go to the primary and ignore it.
    /// </summary>
    public LoadBalancingStrategy? Strategy { get; init; }
}
