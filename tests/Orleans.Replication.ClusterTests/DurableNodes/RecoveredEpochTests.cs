using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests.DurableNodes;

/// <summary>
/// A node recovered from its disk never leads an epoch it had reached before the restart: a follower could hold
/// entries of that epoch its recovered log lacks. It leads a later one.
/// </summary>
public sealed class RecoveredEpochTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orepl-epoch-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task ARecoveredNodeRefusesToLeadTheEpochItHadReachedButLeadsANewerOne()
    {
        const string group = "recovered-epoch";
        await using (var first = await DurableCluster.StartAsync(_root, 3))
        {
            var g = first.Store.Group(group);
            for (var i = 0; i < 10; i++)
            {
                await g.PutAsync($"k{i}", "v"u8.ToArray());
            }
        }

        // Straight to a node, as a coordinator that had not seen the restart would send it: the group's own
        // coordinator is not called, so nothing moves the node's epoch meanwhile. (The silos stopping one by one may
        // have made another epoch before the last stopped: the node's own status says which it recovered.)
        await using var second = await DurableCluster.StartAsync(_root, 3);
        var node = second.Cluster.Client.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(group, 0));
        var recovered = await node.GetStatusAsync();
        var epoch = recovered.Epoch;
        Assert.True(epoch >= 1, $"node 0 recovered epoch {epoch}");
        Assert.True(recovered.LastIndex >= 10, $"node 0 recovered its log up to {recovered.LastIndex}");
        Assert.Equal(NodeRole.Unassigned, recovered.Role);

        var again = await node.AssignAsync(new NodeAssignment(group, 0, 3, epoch, 0));
        Assert.NotEqual(NodeRole.Primary, again.Role);
        Assert.Equal(epoch, again.Epoch);

        var newer = await node.AssignAsync(new NodeAssignment(group, 0, 3, epoch + 1, 0));
        Assert.Equal(NodeRole.Primary, newer.Role);
        Assert.Equal(epoch + 1, newer.Epoch);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
