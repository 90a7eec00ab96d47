namespace Orleans.Replication.Protocol;

/// <summary>A write sent by the client library to the primary.</summary>
/// <param name="Key">The key.</param>
/// <param name="Operation">Put or Delete.</param>
/// <param name="Value">The value of a put.</param>
/// <param name="ExpectedVersion">For compare-and-set: the version the key must have (0 = absent); null for a plain
/// write.</param>
/// <param name="WriteId">Unique per logical write; a retry carries the same id and is applied at most once.</param>
/// <param name="Concern">When to acknowledge.</param>
/// <param name="Timeout">How long the primary waits for the concern before it answers with what it knows.</param>
/// <param name="Durability">The least durability the write asks for; it gets its group's level, and is refused when
/// that is lower.</param>
[GenerateSerializer, Immutable, Alias("orepl.WriteCommand")]
public sealed record WriteCommand(
    [property: Id(0)] string Key,
    [property: Id(1)] LogOperation Operation,
    [property: Id(2)] byte[]? Value,
    [property: Id(3)] long? ExpectedVersion,
    [property: Id(4)] Guid WriteId,
    [property: Id(5)] WriteConcern Concern,
    [property: Id(6)] TimeSpan Timeout,
    [property: Id(7)] Durability Durability = Durability.Memory);

/// <summary>How a write ended on the node that received it.</summary>
public enum WriteStatus : byte
{
    /// <summary>Acknowledged under its concern.</summary>
    Ok = 0,

    /// <summary>Compare-and-set found another version; nothing was written.</summary>
    VersionMismatch = 1,

    /// <summary>This node is not the primary; nothing was written. Retry on the primary.</summary>
    NotPrimary = 2,

    /// <summary>
    /// The primary was deposed while the write waited: its outcome is unknown, a retry with the same id is safe.
    /// </summary>
    SteppedDown = 3,

    /// <summary>The concern did not hold before the deadline: the outcome is unknown.</summary>
    Timeout = 4,

    /// <summary>The command was invalid; nothing was written.</summary>
    Invalid = 5,

    /// <summary>
    /// The primary cannot accept writes now (for example, too few nodes for the concern); nothing was written.
    /// </summary>
    Unavailable = 6,
}

/// <summary>The primary's answer to a <see cref="WriteCommand"/>.</summary>
/// <param name="Status">How the write ended.</param>
/// <param name="Epoch">The answering node's epoch.</param>
/// <param name="Index">The write's log index (its version), or 0 when nothing was written.</param>
/// <param name="CurrentVersion">On <see cref="WriteStatus.VersionMismatch"/>: the key's version (0 = absent).</param>
/// <param name="Confirmed">Replicas that held the write when the answer was made.</param>
/// <param name="Required">Replicas the concern needed.</param>
/// <param name="Replicas">Replicas in the group.</param>
/// <param name="PrimaryHint">The node this node believes is primary, or -1.</param>
/// <param name="Message">Why, when not <see cref="WriteStatus.Ok"/>.</param>
[GenerateSerializer, Immutable, Alias("orepl.WriteReply")]
public sealed record WriteReply(
    [property: Id(0)] WriteStatus Status,
    [property: Id(1)] long Epoch,
    [property: Id(2)] long Index,
    [property: Id(3)] long CurrentVersion,
    [property: Id(4)] int Confirmed,
    [property: Id(5)] int Required,
    [property: Id(6)] int Replicas,
    [property: Id(7)] int PrimaryHint,
    [property: Id(8)] string? Message);
