namespace Orleans.Replication;

/// <summary>Base of every error the replicated store reports.</summary>
/// <remarks>Serializable by Orleans, so that errors a grain throws (a full work queue) reach callers with their
/// type.</remarks>
[GenerateSerializer, Alias("orepl.ReplicationException")]
public class ReplicationException : Exception
{
    public ReplicationException(string message) : base(message) { }

    public ReplicationException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>
    /// Whether the same operation may succeed if tried again (the client library already retried within its deadline).
    /// </summary>
    public virtual bool IsRetryable => false;
}

/// <summary>The group has no primary that accepts writes now; nothing was written.</summary>
public sealed class NoPrimaryException(string group, string message) : ReplicationException(message)
{
    /// <summary>The group.</summary>
    public string Group { get; } = group;

    /// <inheritdoc/>
    public override bool IsRetryable => true;
}

/// <summary>A write's deadline passed and whether it was applied is not known.</summary>
/// <remarks>The write may still commit later. Retrying with the same write id is safe: it is applied at most
/// once.</remarks>
public class WriteOutcomeUnknownException(string message, Guid writeId, Exception? inner = null)
    : ReplicationException(message, inner)
{
    /// <summary>The id of the write; pass it to a retry to keep the write applied at most once.</summary>
    public Guid WriteId { get; } = writeId;

    /// <inheritdoc/>
    public override bool IsRetryable => true;
}

/// <summary>
/// The primary took the write but its concern did not hold before the deadline. The outcome is unknown.
/// </summary>
public sealed class WriteConcernTimeoutException : WriteOutcomeUnknownException
{
    public WriteConcernTimeoutException(
        Guid writeId,
        long index,
        int confirmed,
        int required,
        int replicas,
        TimeSpan timeout
    )
        : base(
            $"The write (index {index}) was not confirmed in {timeout.TotalMilliseconds:0} ms: {confirmed} of " +
            $"{replicas} replicas confirmed, "
                + $"{required} required. Its outcome is unknown: it may still commit.",
            writeId
        )
    {
        Index = index;
        Confirmed = confirmed;
        Required = required;
        Replicas = replicas;
    }

    /// <summary>The log index the write was given.</summary>
    public long Index { get; }

    /// <summary>Replicas that held the write when the deadline passed.</summary>
    public int Confirmed { get; }

    /// <summary>Replicas the concern needed.</summary>
    public int Required { get; }

    /// <summary>Replicas in the group.</summary>
    public int Replicas { get; }
}

/// <summary>The operation could not be done before its deadline and nothing was sent, or nothing was applied.</summary>
public sealed class ReplicationTimeoutException(string message, Exception? inner = null)
    : ReplicationException(message, inner)
{
    /// <inheritdoc/>
    public override bool IsRetryable => true;
}

/// <summary>No node could serve a read under the consistency asked for.</summary>
public sealed class NoAvailableNodeException(string message) : ReplicationException(message)
{
    /// <inheritdoc/>
    public override bool IsRetryable => true;
}

/// <summary>
/// The group has no primary and its client already holds as many writes waiting for one as it may; this write was not
/// queued, nothing was written.
/// </summary>
public sealed class QueueFullException(string group, int capacity, string message) : ReplicationException(message)
{
    /// <summary>The group.</summary>
    public string Group { get; } = group;

    /// <summary>
    /// Most writes that may wait for a primary at once (<c>ReplicationClientOptions.MaxQueuedWrites</c>).
    /// </summary>
    public int Capacity { get; } = capacity;

    /// <inheritdoc/>
    public override bool IsRetryable => true;
}
