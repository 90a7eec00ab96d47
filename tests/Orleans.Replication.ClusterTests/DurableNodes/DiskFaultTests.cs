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

        // Only the workload talks to the group after the fault: Strong reads are served by the primary, so they say
        // which node leads and in which epoch.
        Assert.True(FailingDisks.Failures > 0, "the primary's fsync failed");
        var reads = new List<ReadResult>();
        foreach (var key in acknowledged.Append("after-fault"))
        {
            var read = await g.GetAsync(key, new ReadOptions { Consistency = ReadConsistency.Strong });
            Assert.True(read.Found, key);
            reads.Add(read);
        }

        Assert.True(reads[^1].Epoch > before.Epoch);
        Assert.NotEqual(primary.NodeIndex, reads[^1].NodeIndex);
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
