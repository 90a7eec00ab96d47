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

    /// <summary>How long a replica may wait to catch up with a session before the read moves on to another node. Default 50 ms.</summary>
    public TimeSpan SessionCatchUpWait { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest key, in UTF-8 bytes, checked before anything is sent (the silo checks again). Default 1 KiB.</summary>
    public int MaxKeyBytes { get; set; } = ReplicationLimits.DefaultMaxKeyBytes;

    /// <summary>Largest value, in bytes, checked before anything is sent (the silo checks again). Default 1 MiB.</summary>
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
        if (SessionCatchUpWait < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(SessionCatchUpWait)} must not be negative; it is {SessionCatchUpWait}.", nameof(SessionCatchUpWait));
        }

        if (MaxKeyBytes < 1 || MaxValueBytes < 1)
        {
            throw new ArgumentException($"{nameof(MaxKeyBytes)} and {nameof(MaxValueBytes)} must be at least 1.");
        }
    }
}
