using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Orleans.Replication.Client;
using Xunit;
using Xunit.Abstractions;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>
/// Durable nodes under kill -9: three silo processes on Redis clustering, each with a data directory, a workload of
/// Majority writes recording its history. Every process of the group, or two of its three, are killed at once at a
/// random moment and started again: every acknowledged write is there (Strong and Quorum(2) reads), and the history
/// with the final reads is linearizable.
/// </summary>
/// <remarks>
/// Between the kill and the assertions only the workload's last calls and the restarts touch the cluster: the silos
/// wake their own nodes from their disks, and the group elects from the recovered logs.
/// </remarks>
[Collection("real-processes")]
public sealed class DurableCrashTests(ITestOutputHelper output) : IDisposable
{
    private const string Name = "durable";
    private const int Silos = 3;

    private static readonly ReadOptions Quorum2 = new()
    {
        Consistency = ReadConsistency.Quorum(2),
        Timeout = TimeSpan.FromSeconds(15),
    };

    private readonly string _dataRoot = Directory.CreateTempSubdirectory("orepl-durable-").FullName;

    [RedisFact]
    public Task KillingEveryProcessLosesNoAcknowledgedDiskWrite() => KillAndRestartAsync([0, 1, 2], "disk");

    [RedisFact]
    public Task KillingEveryProcessLosesNoAcknowledgedBufferedWrite() => KillAndRestartAsync([0, 1, 2], "buffered");

    [RedisFact]
    public Task KillingTwoOfThreeProcessesAtOnceLosesNoAcknowledgedDiskWrite() =>
        KillAndRestartAsync([1, 2], "disk");

    private async Task KillAndRestartAsync(int[] victims, string durability)
    {
        await using var deployment = await RedisDeployment.StartAsync(
            keepLogsAs: $"durable-{durability}-{victims.Length}", dataRoot: _dataRoot);
        deployment.SiloArguments = ["--durability", durability];
        await Task.WhenAll(Enumerable.Range(0, Silos).Select(deployment.StartSiloAsync));
        await deployment.ConnectAsync();
        var group = deployment.Store.Group(Name);
        await Eventually.HoldsAsync(
            async () =>
            {
                await group.PutAsync("warm", "up", new WriteOptions { Timeout = TimeSpan.FromSeconds(10) });
                return true;
            },
            TimeSpan.FromSeconds(60),
            "the group could not be created"
        );
        await Eventually.HoldsAsync(
            async () => SelfHealingTests.IsWhole(await group.GetStatusAsync()),
            TimeSpan.FromSeconds(60),
            async () => Describe(await group.GetStatusAsync())
        );
        var before = await group.GetStatusAsync();
        Assert.All(before.Nodes, n => Assert.Equal(
            durability == "disk" ? Durability.Disk : Durability.Buffered, n.Durability));

        var workload = new Workload(group, keys: 8);
        workload.Start(writers: 6, readers: 2, sessions: 2);
        await Task.Delay(TimeSpan.FromMilliseconds(2000 + Random.Shared.Next(0, 2000)));
        var acknowledgedBeforeKill = workload.AckedUniqueWrites.Count;
        foreach (var victim in victims)
        {
            deployment.KillSilo(victim);
        }

        var killedAt = Workload.Now;
        output.WriteLine(
            $"killed silos {string.Join(", ", victims)} with {acknowledgedBeforeKill} writes acknowledged");
        await Task.WhenAll(victims.Select(deployment.StartSiloAsync));
        output.WriteLine($"restarted after {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s");

        // The workload goes on through the restart; the first write acknowledged afterwards shows the group serves.
        var firstAck = await workload.FirstAckAfterAsync(killedAt, TimeSpan.FromSeconds(90));
        output.WriteLine(
            $"first write acknowledged {Stopwatch.GetElapsedTime(killedAt, firstAck).TotalSeconds:0.0} s after " +
            "the kill");
        await Task.Delay(1000);
        await workload.StopAsync();
        foreach (var error in workload.WriteFailures.GroupBy(f => f.Error.Split(':')[0]).Take(5))
        {
            output.WriteLine($"{error.Count()} writes failed: {error.Key}");
        }

        Assert.True(workload.AckedUniqueWrites.Count > acknowledgedBeforeKill);
        await HistoryCheck.AssertNothingLostAndLinearizableAsync(group, workload, output);
        var lostToQuorum = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(workload.AckedUniqueWrites, new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (write, _) =>
            {
                var read = await group.GetAsync(write.Key, Quorum2);
                if (read.ValueAsString != write.Value)
                {
                    lostToQuorum.Add($"{write.Key}={write.Value} (read {read.ValueAsString ?? "absent"})");
                }
            });
        Assert.True(lostToQuorum.IsEmpty,
            $"{lostToQuorum.Count} acknowledged writes not found by Quorum(2) reads: " +
            string.Join(", ", lostToQuorum.Take(10)));

        Assert.True(workload.Acks.Max(a => a.Epoch) > before.Epoch, "the group elected again from its recovered logs");
        output.WriteLine(Describe(await group.GetStatusAsync()));
    }

    private static string Describe(GroupStatus s) =>
        $"epoch {s.Epoch}, primary {s.PrimaryIndex} ({s.Problem}): " + string.Join("; ", s.Nodes.Select(n =>
            string.Create(CultureInfo.InvariantCulture,
                $"{n.NodeIndex} {n.Role} e{n.Epoch} on {n.Silo} applied {n.AppliedIndex} durable {n.DurableIndex} " +
                $"caught-up {n.CaughtUp} {n.Problem}")));

    public void Dispose()
    {
        if (Directory.Exists(_dataRoot))
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
    }
}
