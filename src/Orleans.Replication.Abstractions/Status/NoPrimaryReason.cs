namespace Orleans.Replication;

/// <summary>Why a group's route names no primary (see <see cref="GroupRoute.NoPrimaryReason"/>).</summary>
public enum NoPrimaryReason : byte
{
    /// <summary>The route names a primary, or the reason was not recorded.</summary>
    None = 0,

    /// <summary>
    /// No majority of the group's nodes is reachable and caught up: no primary can be promoted until nodes come back.
    /// </summary>
    NoMajority = 1,

    /// <summary>The node chosen for promotion did not take it (its voting activation did not answer).</summary>
    NotPromoted = 2,

    /// <summary>The coordinator rebuilt the route from the nodes, and none of them leads the newest epoch.</summary>
    NoLeader = 3,

    /// <summary>Some nodes do not answer, so whether the group exists is not known yet.</summary>
    NotKnownYet = 4,
}
