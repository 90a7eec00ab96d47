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

    /// <summary>
    /// One silo at <see cref="Durability.Disk"/>, two buffered. The group's first primary is node 0, on the first
    /// silo, at Disk: it counts only fsynced copies, and its buffered replicas fsync when it asks (without that, no
    /// write here would ever be acknowledged, their interval being ten minutes).
    /// </summary>
    [Fact]
    public async Task DiskWritesSurviveAPowerCutWhenTheSilosKeepDifferentLevels()
    {
        const string group = "power-cut-mixed";
        var disks = new PowerCutDisks();
        var written = new Dictionary<string, string>();
        var first = await StartAsync(disks, mixed: true);
        try
        {
            var g = first.Store.Group(group);
            var levels = (await g.GetStatusAsync()).Nodes.Select(n => n.Durability).Order().ToArray();
            Assert.Equal([Durability.Buffered, Durability.Buffered, Durability.Disk], levels);
            var writes = Enumerable.Range(0, 60).Select(i => ($"m{i}", $"v{i}")).ToArray();
            await Task.WhenAll(writes.Select(w => g.PutAsync(w.Item1, Encoding.UTF8.GetBytes(w.Item2),
                new WriteOptions { Durability = Durability.Disk })));
            foreach (var (key, value) in writes)
            {
                written[key] = value;
            }

            disks.CutPower();
        }
        finally
        {
            await first.DisposeAsync();
        }

        disks.Restore();
        await using var second = await StartAsync(disks, mixed: true);
        var again = second.Store.Group(group);
        foreach (var (key, value) in written)
        {
            var read = await again.GetAsync(key, new ReadOptions { Consistency = ReadConsistency.Strong });
            Assert.True(read.Found, $"{key} was acknowledged on disk but is missing after the power cut");
            Assert.Equal(value, Encoding.UTF8.GetString(read.Value!));
        }
    }

    private Task<DurableCluster> StartAsync(PowerCutDisks disks, bool mixed = false) =>
        DurableCluster.StartAsync(_root, 3,
            o =>
            {
                o.Durability = Durability.Buffered;
                o.BufferedFlushInterval = TimeSpan.FromMinutes(10);
            },
            services => services.AddSingleton<ILogFileSystem>(disks),
            (silo, o) =>
            {
                if (mixed && silo.EndsWith("_0", StringComparison.Ordinal))
                {
                    o.Durability = Durability.Disk;
                }
            });

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
