namespace Orleans.Replication.Protocol;

/// <summary>A read sent by the client library to one node.</summary>
/// <param name="Key">The key.</param>
/// <param name="Consistency">The guarantee asked for.</param>
/// <param name="MinIndex">For session reads: the node must have applied at least this index.</param>
/// <param name="Timeout">How long the node may wait (for a leadership check or to catch up).</param>
[GenerateSerializer, Immutable, Alias("orepl.ReadRequest")]
public sealed record ReadRequest(
    [property: Id(0)] string Key,
    [property: Id(1)] ReadConsistency Consistency,
    [property: Id(2)] long MinIndex,
    [property: Id(3)] TimeSpan Timeout);

/// <summary>How a read ended on one node.</summary>
public enum ReadStatus : byte
{
    /// <summary>Served.</summary>
    Ok = 0,

    /// <summary>A strong read reached a node that is not (or no longer provably) the primary.</summary>
    NotPrimary = 1,

    /// <summary>The node has not applied the session's index in time.</summary>
    NotCaughtUp = 2,

    /// <summary>The node's lag is above the bound asked for.</summary>
    TooStale = 3,

    /// <summary>The node cannot serve reads now (not configured, or the request was invalid).</summary>
    Unavailable = 4,
}

/// <summary>A node's answer to a <see cref="ReadRequest"/>.</summary>
/// <param name="Status">How the read ended.</param>
/// <param name="Found">Whether the key exists.</param>
/// <param name="Value">The value, when found.</param>
/// <param name="Version">Log index of the key's last write (0 when absent).</param>
/// <param name="NodeIndex">The node that answered.</param>
/// <param name="Epoch">That node's epoch.</param>
/// <param name="AppliedIndex">That node's applied index when it answered.</param>
/// <param name="LagEntries">How many committed entries the node had not applied.</param>
/// <param name="LagMs">How far behind the primary the node was, in milliseconds.</param>
/// <param name="Message">Why, when not <see cref="ReadStatus.Ok"/>.</param>
[GenerateSerializer, Immutable, Alias("orepl.ReadReply")]
public sealed record ReadReply(
    [property: Id(0)] ReadStatus Status,
    [property: Id(1)] bool Found,
    [property: Id(2)] byte[]? Value,
    [property: Id(3)] long Version,
    [property: Id(4)] int NodeIndex,
    [property: Id(5)] long Epoch,
    [property: Id(6)] long AppliedIndex,
    [property: Id(7)] long LagEntries,
    [property: Id(8)] double LagMs,
    [property: Id(9)] string? Message);
