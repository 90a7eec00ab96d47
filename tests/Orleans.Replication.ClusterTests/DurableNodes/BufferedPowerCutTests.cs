using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Orleans.Replication.WriteAhead;
using Xunit;

namespace Orleans.Replication.ClusterTests.DurableNodes;

/// <summary>
/// A group written buffered takes writes that ask for <see cref="Durability.Disk"/>: those are acknowledged only once a
/// majority fsynced them, so a power cut of every node keeps them, while the buffered writes after them go.
/// </summary>
public sealed class BufferedPowerCutTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "orepl-cut-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task DiskWritesOnABufferedGroupSurviveAPowerCutOfEveryNode()
    {
        const string group = "power-cut";
        var disks = new PowerCutDisks();
        var onDisk = new Dictionary<string, string>();
        var buffered = new List<string>();
        var first = await StartAsync(disks);
        try
        {
            var g = first.Store.Group(group);
            var disk = new WriteOptions { Durability = Durability.Disk };
            for (var i = 0; i < 20; i++)
            {
                onDisk[$"d{i}"] = $"one-{i}";
                await g.PutAsync($"d{i}", Encoding.UTF8.GetBytes(onDisk[$"d{i}"]), disk);
            }

            // Concurrent ones share fsyncs; half of them write a key of the first ones again.
            var concurrent = Enumerable.Range(10, 40).Select(i => ($"d{i}", $"two-{i}")).ToArray();
            var acks = await Task.WhenAll(
                concurrent.Select(w => g.PutAsync(w.Item1, Encoding.UTF8.GetBytes(w.Item2), disk)));
            foreach (var (key, value) in concurrent)
            {
                onDisk[key] = value;
            }

            // Status shows it: a majority reports the last acknowledged write fsynced, the rest of the log written.
            var last = acks.Max(a => a.Version);
            var status = await g.GetStatusAsync();
            Assert.True(status.Nodes.Count(n => n.SyncedIndex >= last) >= 2,
                string.Join(", ", status.Nodes.Select(n => $"{n.NodeIndex}: synced {n.SyncedIndex}")) + $" < {last}");
            Assert.All(status.Nodes, n => Assert.True(n.SyncedIndex <= n.DurableIndex));

            // Buffered writes are written to the files and fsynced by no one (the interval is ten minutes).
            var flushes = disks.FileFlushes;
            for (var i = 0; i < 20; i++)
            {
                buffered.Add($"b{i}");
                await g.PutAsync($"b{i}", "x"u8.ToArray(), new WriteOptions { Durability = Durability.Buffered });
            }

            Assert.Equal(flushes, disks.FileFlushes);
            disks.CutPower();
        }
        finally
        {
            await first.DisposeAsync();
        }

        Assert.True(disks.Restore() > 0, "the power cut dropped nothing: the test would prove nothing");
        await using var second = await StartAsync(disks);
        var again = second.Store.Group(group);
        foreach (var (key, value) in onDisk)
        {
            var read = await again.GetAsync(key, new ReadOptions { Consistency = ReadConsistency.Strong });
            Assert.True(read.Found, $"{key} was acknowledged on disk but is missing after the power cut");
            Assert.Equal(value, Encoding.UTF8.GetString(read.Value!));
        }

        foreach (var key in buffered)
        {
            Assert.False((await again.GetAsync(key, new ReadOptions { Consistency = ReadConsistency.Strong })).Found,
                $"{key} was only buffered, yet survived the power cut");
        }

        await again.PutAsync("after", "y"u8.ToArray(), new WriteOptions { Durability = Durability.Disk });
    }

    private Task<DurableCluster> StartAsync(PowerCutDisks disks) =>
        DurableCluster.StartAsync(_root, 3,
            o =>
            {
                o.Durability = Durability.Buffered;
                o.BufferedFlushInterval = TimeSpan.FromMinutes(10);
            },
            services => services.AddSingleton<ILogFileSystem>(disks));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
