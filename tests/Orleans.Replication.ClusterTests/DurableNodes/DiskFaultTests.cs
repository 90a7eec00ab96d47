using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Orleans.Replication.WriteAhead;
using Xunit;

namespace Orleans.Replication.ClusterTests.DurableNodes;

/// <summary>An fsync that fails stops the node: it never acknowledges what may not be on disk, and the group goes
/// on without it.</summary>
[Collection("failing-disks")]
public sealed class DiskFaultTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orepl-fault-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task AFailedFsyncOnThePrimaryStopsItAndTheGroupFailsOverWithoutLosingAWrite()
    {
        const string group = "fsync-fault";
        await using var cluster = await DurableCluster.StartAsync(_root, 3,
            services: s => s.AddSingleton<ILogFileSystem, FailingDisks>());
        var g = cluster.Store.Group(group);
        var acknowledged = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            await g.PutAsync($"k{i}", Encoding.UTF8.GetBytes($"v{i}"));
            acknowledged.Add($"k{i}");
        }

        var before = await g.GetStatusAsync();
        var primary = before.Nodes.Single(n => n.Role == NodeRole.Primary);
        FailingDisks.FailUnder = primary.DataDirectory;

        // The primary's next fsync fails: that write is never acknowledged by it; the client retries it on the new
        // primary, elected among the other two.
        var patient = new WriteOptions { Timeout = TimeSpan.FromSeconds(30) };
        await g.PutAsync("after-fault", "x"u8.ToArray(), patient);
        for (var i = 50; i < 80; i++)
        {
            await g.PutAsync($"k{i}", Encoding.UTF8.GetBytes($"v{i}"), patient);
            acknowledged.Add($"k{i}");
        }

        Assert.True(FailingDisks.Failures > 0, "the primary's fsync failed");
        var after = await g.GetStatusAsync();
        Assert.True(after.Epoch > before.Epoch);
        Assert.NotEqual(primary.NodeIndex, after.PrimaryIndex);
        foreach (var key in acknowledged.Append("after-fault"))
        {
            Assert.True((await g.GetAsync(key, new ReadOptions { Consistency = ReadConsistency.Strong })).Found, key);
        }
    }

    public void Dispose()
    {
        FailingDisks.FailUnder = null;
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
