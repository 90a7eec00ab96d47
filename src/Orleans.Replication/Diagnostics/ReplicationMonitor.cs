namespace Orleans.Replication.Diagnostics;

/// <summary>Puts together what replicas say of their lag and what their primary sees of it.</summary>
internal static class ReplicationMonitor
{
    /// <summary>
    /// Each replica's status with the larger of its own lag figures and its primary's: a replica cut off from the
    /// primary does not know the entries it lacks, and the primary does not know what was applied since the last
    /// reply; each figure errs low only where the other does not.
    /// </summary>
    public static NodeStatus[] WithPrimaryView(IReadOnlyList<NodeStatus> nodes, int primaryIndex)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var seen =
            primaryIndex >= 0
            && primaryIndex < nodes.Count
            && nodes[primaryIndex] is { Role: NodeRole.Primary, Replicas: { } r }
                ? r
                : null;
        var merged = new NodeStatus[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var view = seen?.FirstOrDefault(l => l.NodeIndex == node.NodeIndex);
            merged[i] =
                view is null || node.Role != NodeRole.Replica
                    ? node
                    : node with
                    {
                        LagEntries = Math.Max(node.LagEntries, view.LagEntries),
                        LagMs = Math.Max(node.LagMs, view.LagMs),
                    };
        }

        return merged;
    }
}
