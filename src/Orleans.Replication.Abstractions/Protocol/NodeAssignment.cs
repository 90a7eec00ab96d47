namespace Orleans.Replication.Protocol;

/// <summary>What the coordinator tells a node about its group.</summary>
/// <param name="Group">The group name.</param>
/// <param name="NodeIndex">The node's index.</param>
/// <param name="NodeCount">The group's size.</param>
/// <param name="Epoch">The group's epoch.</param>
/// <param name="PrimaryIndex">Which node is primary in that epoch.</param>
/// <param name="Bootstrap">True only when the group is created: an empty node then holds everything there is.</param>
/// <param name="ExpectedIncarnation">
/// When set, only that activation of the node may take the assignment: a promotion goes to the activation that
/// voted, never to another activation of the same node (a duplicate, or one activated again empty meanwhile).
/// </param>
[GenerateSerializer, Immutable, Alias("orepl.NodeAssignment")]
public sealed record NodeAssignment(
    [property: Id(0)] string Group,
    [property: Id(1)] int NodeIndex,
    [property: Id(2)] int NodeCount,
    [property: Id(3)] long Epoch,
    [property: Id(4)] int PrimaryIndex,
    [property: Id(5)] bool Bootstrap = false,
    [property: Id(6)] Guid ExpectedIncarnation = default);
