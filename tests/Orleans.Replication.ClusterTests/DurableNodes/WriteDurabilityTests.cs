using Orleans.Replication.Client;
using Xunit;

namespace Orleans.Replication.ClusterTests.DurableNodes;

/// <summary>
/// A write may ask for a durability: it gets at least its group's level; a group in memory refuses more.
/// </summary>
public sealed class WriteDurabilityTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orepl-level-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AGroupInMemoryRefusesAWriteAskingForDiskAndWritesNothing()
    {
        var group = fixture.Store.Group("level-memory");
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            group.PutAsync("k", "v"u8.ToArray(), new WriteOptions { Durability = Durability.Disk }));
        Assert.Contains("Memory", error.Message, StringComparison.Ordinal);
        Assert.False((await group.GetAsync("k")).Found);

        await group.PutAsync("k", "v"u8.ToArray(), new WriteOptions { Durability = Durability.Memory });
        Assert.True((await group.GetAsync("k")).Found);
    }

    [Fact]
    public async Task ABufferedGroupTakesEveryLevel()
    {
        await using var cluster = await DurableCluster.StartAsync(_root, 3,
            o => o.Durability = Durability.Buffered);
        var group = cluster.Store.Group("level-buffered");
        await group.PutAsync("a", "1"u8.ToArray(), new WriteOptions { Durability = Durability.Memory });
        await group.PutAsync("b", "2"u8.ToArray(), new WriteOptions { Durability = Durability.Buffered });
        await group.PutAsync("c", "3"u8.ToArray(), new WriteOptions { Durability = Durability.Disk });

        Assert.True((await group.GetAsync("a")).Found);
        Assert.True((await group.GetAsync("b")).Found);
        Assert.True((await group.GetAsync("c")).Found);
        Assert.All((await group.GetStatusAsync()).Nodes, n => Assert.Equal(Durability.Buffered, n.Durability));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
