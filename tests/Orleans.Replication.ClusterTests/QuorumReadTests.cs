using Orleans.Replication.Client;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>Quorum reads answer from committed state only.</summary>
[Collection("cluster")]
public sealed class QuorumReadTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AQuorumReadNeverReturnsAWriteThatIsNotCommitted()
    {
        const string name = "quorum-uncommitted";
        var group = fixture.Store.Group(name);
        var old = await group.PutAsync("k", "committed");
        var primary = (await group.GetStatusAsync()).PrimaryIndex;
        var replicas = Enumerable.Range(0, 3).Where(i => i != primary).ToArray();
        foreach (var r in replicas)
        {
            await fixture.Faults(name, r).HoldReplicationAsync();
        }

        try
        {
            // Acknowledged at once, held by the primary alone: a failover now would lose it.
            await group.PutAsync("k", "uncommitted", new WriteOptions { Concern = WriteConcern.WaitForReplicas(0) });
            for (var i = 0; i < 6; i++)
            {
                try
                {
                    // Quorum(3) always asks the primary, the one node that holds the write.
                    var read = await group.GetAsync(
                        "k",
                        new ReadOptions
                        {
                            Consistency = ReadConsistency.Quorum(2 + i % 2),
                            Timeout = TimeSpan.FromMilliseconds(300),
                        }
                    );
                    Assert.True(
                        read.ValueAsString == "committed" && read.Version == old.Version,
                        $"a quorum read returned {read.ValueAsString}@{read.Version} from node {read.NodeIndex}; " +
                        "only the committed value may be seen"
                    );
                }
                catch (NoAvailableNodeException)
                {
                    // Also fine: the primary would not answer before the write committed.
                }
            }
        }
        finally
        {
            foreach (var r in replicas)
            {
                await fixture.Faults(name, r).ReleaseReplicationAsync();
            }
        }

        // Once committed, the write is what a quorum read returns.
        await Eventually.HoldsAsync(
            async () => (await group.GetAsync("k", ReadConsistency.Quorum(2))).ValueAsString == "uncommitted",
            TimeSpan.FromSeconds(10),
            "the write never became visible to quorum reads after it committed"
        );
    }
}
