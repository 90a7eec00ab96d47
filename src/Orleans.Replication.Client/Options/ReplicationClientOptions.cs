using Orleans.Replication.Protocol;

namespace Orleans.Replication.Client;

/// <summary>Settings of the client library.</summary>
public sealed class ReplicationClientOptions
{
    /// <summary>Deadline of a write that sets none. Default 5 s.</summary>
    public TimeSpan DefaultWriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline of a read that sets none. Default 5 s.</summary>
    public TimeSpan DefaultReadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one attempt of an operation may wait for the node before the client refreshes its route and tries
    /// again (with the same write id, so a write is still applied at most once). Bounds how long an operation
    /// stays stuck on a primary that crashed. Default 1 s.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether writes go straight to the gateway of the primary's silo (through its <see cref="IWriteIngress"/>) when
    /// that gateway is in the client's gateway list, rather than through whichever gateway the node's id picks, which
    /// then forwards them. Default true.
    /// </summary>
    public bool DirectWrites { get; set; } = true;

    /// <summary>
    /// With <see cref="DirectWrites"/>: write batches are submitted one-way and answered through a receiver in this
    /// client, so that a batch whose writes need one replica is answered by that replica, one crossing between
    /// processes sooner than the primary could (see <see cref="IWriteAcks"/>). Off: each batch is a call answered by
    /// the primary.
    /// </summary>
    public bool ReplicaAnswers { get; set; } = true;

    /// <summary>
    /// How long a replica may wait to catch up with a session before the read moves on to another node. Default 50 ms.
    /// </summary>
    public TimeSpan SessionCatchUpWait { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How old a group's routing snapshot (nodes in rotation, their load and lag, the read strategy) may grow before
    /// the client asks the group's load balancer for a new one, sending what it observed meanwhile. Reads never wait
    /// for that exchange, except a group's first. Default 1 s.
    /// </summary>
    public TimeSpan RoutingRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Most writes of one group that may wait in the client for a primary while the group has none (during a
    /// failover). A write beyond that fails at once with <see cref="QueueFullException"/>; 0 turns waiting off.
    /// Default 1000.
    /// </summary>
    public int MaxQueuedWrites { get; set; } = DefaultMaxQueuedWrites;

    /// <summary>Default of <see cref="MaxQueuedWrites"/>.</summary>
    public const int DefaultMaxQueuedWrites = 1000;

    /// <summary>
    /// Longest key, in UTF-8 bytes, checked before anything is sent (the silo checks again). Default 1 KiB.
    /// </summary>
    public int MaxKeyBytes { get; set; } = ReplicationLimits.DefaultMaxKeyBytes;

    /// <summary>
    /// Largest value, in bytes, checked before anything is sent (the silo checks again). Default 1 MiB.
    /// </summary>
    public int MaxValueBytes { get; set; } = ReplicationLimits.DefaultMaxValueBytes;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        static void Positive(TimeSpan t, string name)
        {
            if (t <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive; it is {t}.", name);
            }
        }

        Positive(DefaultWriteTimeout, nameof(DefaultWriteTimeout));
        Positive(DefaultReadTimeout, nameof(DefaultReadTimeout));
        Positive(AttemptTimeout, nameof(AttemptTimeout));
        Positive(RoutingRefreshInterval, nameof(RoutingRefreshInterval));
        if (MaxQueuedWrites < 0)
        {
            throw new ArgumentException(
                $"{nameof(MaxQueuedWrites)} must not be negative; it is {MaxQueuedWrites}.",
                nameof(MaxQueuedWrites)
            );
        }

        if (SessionCatchUpWait < TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"{nameof(SessionCatchUpWait)} must not be negative; it is {SessionCatchUpWait}.",
                nameof(SessionCatchUpWait)
            );
        }

        if (MaxKeyBytes < 1 || MaxValueBytes < 1)
        {
            throw new ArgumentException($"{nameof(MaxKeyBytes)} and {nameof(MaxValueBytes)} must be at least 1.");
        }
    }
}
