using System.Globalization;

namespace Orleans.Replication;

/// <summary>Which guarantee a read asks for.</summary>
public enum ReadConsistencyKind : byte
{
    /// <summary>Linearizable: served by the primary after it confirmed with a majority that it still leads.</summary>
    Strong = 0,

    /// <summary>
    /// Read-your-writes and monotonic reads within a session, from any node that caught up with the session.
    /// </summary>
    Session = 1,

    /// <summary>From a node whose lag is within a bound, in entries and in time.</summary>
    BoundedStaleness = 2,

    /// <summary>From any healthy node, however far behind.</summary>
    Eventual = 3,

    /// <summary>From r nodes; the highest version wins.</summary>
    Quorum = 4,
}

/// <summary>The consistency a read asks for.</summary>
[GenerateSerializer, Immutable, Alias("orepl.ReadConsistency")]
public readonly record struct ReadConsistency(
    [property: Id(0)] ReadConsistencyKind Kind,
    [property: Id(1)] TimeSpan MaxLag,
    [property: Id(2)] long MaxLagEntries,
    [property: Id(3)] int QuorumSize)
{
    /// <summary>Linearizable reads on the primary.</summary>
    public static ReadConsistency Strong => new(ReadConsistencyKind.Strong, TimeSpan.Zero, 0, 0);

    /// <summary>Read-your-writes and monotonic reads (needs a session).</summary>
    public static ReadConsistency Session => new(ReadConsistencyKind.Session, TimeSpan.Zero, 0, 0);

    /// <summary>Any node, however stale.</summary>
    public static ReadConsistency Eventual => new(ReadConsistencyKind.Eventual, TimeSpan.Zero, 0, 0);

    /// <summary>
    /// A node no more than <paramref name="maxLag"/> behind in time and <paramref name="maxLagEntries"/> in entries.
    /// </summary>
    public static ReadConsistency BoundedStaleness(TimeSpan maxLag, long maxLagEntries = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLag, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLagEntries);
        return new(ReadConsistencyKind.BoundedStaleness, maxLag, maxLagEntries, 0);
    }

    /// <summary>Read <paramref name="readers"/> nodes and return the highest version.</summary>
    /// <remarks>With a <c>Majority</c> write concern W and R readers with W + R &gt; N, a quorum read sees every
    /// acknowledged write.</remarks>
    public static ReadConsistency Quorum(int readers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(readers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(readers, ReplicationLimits.MaxNodeCount);
        return new(ReadConsistencyKind.Quorum, TimeSpan.Zero, 0, readers);
    }

    /// <summary>
    /// Throws when this consistency cannot be served by a group of <paramref name="nodeCount"/> nodes.
    /// </summary>
    public void Validate(int nodeCount)
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown read consistency kind.");
        }

        if (Kind is ReadConsistencyKind.Quorum && (QuorumSize < 1 || QuorumSize > nodeCount))
        {
            throw new ArgumentOutOfRangeException(nameof(QuorumSize), QuorumSize,
                $"Quorum({QuorumSize}) cannot be served: the group has {nodeCount} nodes.");
        }

        if (Kind is ReadConsistencyKind.BoundedStaleness && (MaxLag < TimeSpan.Zero || MaxLagEntries < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLag), "A staleness bound must not be negative.");
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        Kind switch
        {
            ReadConsistencyKind.BoundedStaleness =>
                $"bounded:{MaxLag.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}",
            ReadConsistencyKind.Quorum => $"quorum:{QuorumSize}",
            _ => Kind.ToString().ToLowerInvariant(),
        };

    /// <summary>Parses <c>strong</c>, <c>session</c>, <c>eventual</c>, <c>bounded:MS</c> or <c>quorum:R</c>.</summary>
    public static ReadConsistency Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim().ToLowerInvariant();
        var colon = s.IndexOf(':');
        var head = colon < 0 ? s : s[..colon];
        var arg = colon < 0 ? null : s[(colon + 1)..];
        return (head, arg) switch
        {
            ("strong", null) => Strong,
            ("session", null) => Session,
            ("eventual", null) => Eventual,
            ("bounded", { } ms)
                when double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                    && m >= 0
                    && m < TimeSpan.MaxValue.TotalMilliseconds => BoundedStaleness(TimeSpan.FromMilliseconds(m)),
            ("quorum", { } r)
                when int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    && n is >= 1 and <= ReplicationLimits.MaxNodeCount => Quorum(n),
            _ => throw new FormatException(
                $"'{text}' is not a read consistency: use strong, session, eventual, bounded:MS or quorum:R " +
                $"(1..{ReplicationLimits.MaxNodeCount})."
            ),
        };
    }
}
