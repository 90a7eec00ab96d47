namespace Orleans.Replication.WriteAhead;

/// <summary>What a record in a segment says. The byte values are on disk: never renumber them.</summary>
internal enum LogRecordType : byte
{
    Entry = 1,
    Vote = 2,
    Incarnation = 3,
    Membership = 4,
    Truncation = 5,
    Snapshot = 6,
    CaughtUp = 7,
}

/// <summary>A log entry as the caller gave it: the payload is opaque, the caller serializes it.</summary>
internal sealed record DurableEntry(long Index, long Epoch, ReadOnlyMemory<byte> Payload);

/// <summary>The node's term state: its epoch and whom it voted for in it (<see cref="NoVote"/> for nobody).</summary>
internal readonly record struct EpochVote(long Epoch, int VotedFor)
{
    public const int NoVote = -1;
}

/// <summary>
/// The small state every node must find again after a restart, whatever snapshots released: the latest
/// epoch and vote, the incarnation and the group's node count (null where never written).
/// </summary>
/// <remarks>
/// <see cref="CaughtUp"/> is the incarnation that last held everything committed it was told of: a node is
/// caught up after a restart only if that is its own incarnation.
/// </remarks>
internal sealed record LogMetadata(EpochVote? Vote, Guid? Incarnation, int? NodeCount, Guid? CaughtUp = null)
{
    public static LogMetadata Empty { get; } = new(null, null, null);
}

/// <summary>A decoded record (one of the <see cref="LogRecordType"/> cases).</summary>
internal readonly record struct LogRecord(
    LogRecordType Type, long Index, long Epoch, int VotedFor, Guid Incarnation, int NodeCount,
    ReadOnlyMemory<byte> Payload)
{
    public static LogRecord ForEntry(long index, long epoch, ReadOnlyMemory<byte> payload) =>
        new(LogRecordType.Entry, index, epoch, 0, Guid.Empty, 0, payload);

    public static LogRecord ForVote(EpochVote vote) =>
        new(LogRecordType.Vote, 0, vote.Epoch, vote.VotedFor, Guid.Empty, 0, default);

    public static LogRecord ForIncarnation(Guid incarnation) =>
        new(LogRecordType.Incarnation, 0, 0, 0, incarnation, 0, default);

    public static LogRecord ForMembership(int nodeCount) =>
        new(LogRecordType.Membership, 0, 0, 0, Guid.Empty, nodeCount, default);

    public static LogRecord ForCaughtUp(Guid incarnation) =>
        new(LogRecordType.CaughtUp, 0, 0, 0, incarnation, 0, default);

    public static LogRecord ForTruncation(long fromIndex) =>
        new(LogRecordType.Truncation, fromIndex, 0, 0, Guid.Empty, 0, default);
}
