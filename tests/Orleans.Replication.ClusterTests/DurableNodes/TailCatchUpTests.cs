using System.Diagnostics;
using System.Text;
using Orleans.Replication.Client;
using Orleans.Replication.Node;
using Orleans.Replication.Protocol;
using Xunit;
using Xunit.Abstractions;

namespace Orleans.Replication.ClusterTests.DurableNodes;

/// <summary>A replica whose silo crashed and came back catches up from its log's end, not from a snapshot.</summary>
public sealed class TailCatchUpTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orepl-tail-" + Guid.NewGuid().ToString("N"));

    /// <summary>Keys the group holds before the replica goes down; ORLEANS_REPLICATION_TAIL_KEYS raises it.</summary>
    private static int Keys =>
        int.TryParse(Environment.GetEnvironmentVariable("ORLEANS_REPLICATION_TAIL_KEYS"), out var n) ? n : 1_000_000;

    [Fact]
    public async Task ARestartedReplicaOfALargeGroupCatchesUpFromItsLogTail()
    {
        const string group = "tail";
        await using var cluster = await DurableCluster.StartAsync(_root, 3);
        var store = cluster.Store.Group(group);
        var watch = Stopwatch.StartNew();
        await LoadAsync(store, 0, Keys, concurrency: 512);
        output.WriteLine($"{Keys} keys written in {watch.Elapsed.TotalSeconds:0.0} s");

        var route = await store.GetRouteAsync(refresh: true);
        var replicaIndex = (route.PrimaryIndex + 1) % route.NodeCount;
        var replicaKey = GroupNames.NodeKey(group, replicaIndex);
        var before = Node(cluster, replicaKey);
        var incarnation = before.Status.Incarnation;
        var silo = cluster.Cluster.Silos.Single(s => s.SiloAddress.ToString() == before.Status.Silo);

        // The crash: the silo goes without deactivating anything. Writes go on for 5 s meanwhile.
        await cluster.KillAsync(silo);
        var down = Stopwatch.StartNew();
        var written = 0;
        while (down.Elapsed < TimeSpan.FromSeconds(5))
        {
            // Paced at about 4,000 writes a second: the primary keeps up to MaxRetainedLogEntries for the replica.
            await Task.WhenAll(LoadAsync(store, Keys + written, 500, concurrency: 64), Task.Delay(125));
            written += 500;
        }

        var primaryCommit = Node(cluster, GroupNames.NodeKey(group, route.PrimaryIndex)).Status.CommitIndex;
        await cluster.RestartAsync(silo.InstanceNumber);
        output.WriteLine(
            $"replica {replicaIndex} down for {down.Elapsed.TotalSeconds:0.0} s; {written} writes meanwhile");

        // Only the silo's own waking calls the node: the test watches it from inside the silo.
        var back = Stopwatch.StartNew();
        (ReplicaNodeGrain Grain, NodeStatus Status) after = default;
        await Eventually.HoldsAsync(() =>
        {
            after = TryNode(cluster, replicaKey);
            return Task.FromResult(after.Grain is not null && after.Status.CaughtUp
                && after.Status.AppliedIndex >= primaryCommit);
        }, TimeSpan.FromSeconds(90), () => Task.FromResult(after.Grain is null
            ? "the restarted replica is not active"
            : $"the restarted replica did not catch up: {after.Status} (primary commit {primaryCommit})"));
        Assert.NotNull(after.Grain);
        Assert.NotNull(after.Status);
        output.WriteLine($"caught up {back.Elapsed.TotalSeconds:0.0} s after its silo started: " +
            $"{after.Grain.EntryBatchesReceived} batches, {after.Status.SnapshotsInstalled} snapshots");

        Assert.Equal(0, after.Status.SnapshotsInstalled);
        Assert.True(after.Grain.EntryBatchesReceived > 0, "the missing entries came as log batches");
        Assert.Equal(incarnation, after.Status.Incarnation);
        Assert.Equal(Durability.Disk, after.Status.Durability);
        var last = await store.GetAsync($"k{Keys + written - 1}",
            new ReadOptions { Consistency = ReadConsistency.Strong });
        Assert.True(last.Found);
    }

    private static async Task LoadAsync(IReplicatedGroup group, int from, int count, int concurrency)
    {
        var value = Encoding.UTF8.GetBytes(new string('v', 16));
        await Parallel.ForAsync(from, from + count, new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, _) => await group.PutAsync($"k{i}", value,
                new WriteOptions { Timeout = TimeSpan.FromSeconds(30) }));
    }

    private static (ReplicaNodeGrain Grain, NodeStatus Status) Node(DurableCluster cluster, string key) =>
        TryNode(cluster, key) is { Grain: not null } found
            ? found
            : throw new InvalidOperationException($"Node {key} is not active.");

    /// <summary>The node's activation and its status, read inside its silo without a call.</summary>
    private static (ReplicaNodeGrain Grain, NodeStatus Status) TryNode(DurableCluster cluster, string key)
    {
        var id = cluster.Cluster.Client.GetGrain<IReplicaNodeGrain>(key).GetGrainId();
        if (cluster.FindActivation(id)?.GrainInstance is not ReplicaNodeGrain grain)
        {
            return default;
        }

        return (grain, grain.Peek());
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
