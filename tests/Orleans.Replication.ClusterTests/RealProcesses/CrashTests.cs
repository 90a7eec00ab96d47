using System.Diagnostics;
using System.Globalization;
using Orleans.Replication.Client;
using Xunit;
using Xunit.Abstractions;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>
/// Real faults on real silo processes: kill -9 of the primary's process, and SIGSTOP past a failover.
/// </summary>
/// <remarks>
/// Four silo processes of the host executable; instance 0 holds the development membership table, so a primary
/// found there is first moved away by a planned switchover. The number of kills can be raised with the
/// environment variable ORLEANS_REPLICATION_CRASH_KILLS to measure failover times (the benchmark).
/// </remarks>
[Collection("real-processes")]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const string Name = "crash";

    [Fact]
    public async Task KillingThePrimaryRepeatedlyLosesNoAcknowledgedWriteAndHistoryIsLinearizable()
    {
        var kills = int.TryParse(
            Environment.GetEnvironmentVariable("ORLEANS_REPLICATION_CRASH_KILLS"),
            CultureInfo.InvariantCulture,
            out var k
        )
            ? k
            : 3;
        await using var silos = await SiloProcesses.StartAsync(4, "crash");
        var group = silos.Store.Group(Name);
        await group.PutAsync("warm", "up", new WriteOptions { Timeout = TimeSpan.FromSeconds(30) });
        // A longer run spreads its history over more keys, so that the checker's search per key stays within budget.
        var workload = new Workload(group, keys: Math.Max(4, 2 * kills));
        workload.Start(writers: 6, readers: 2, sessions: 2);
        var failoverMs = new List<double>();
        try
        {
            for (var round = 0; round < kills; round++)
            {
                await Task.Delay(1500); // let the workload run in this epoch
                var (instance, epoch) = await PrimaryAwayFromInstanceZeroAsync(silos, group);
                output.WriteLine("before kill: " + Describe(await group.GetStatusAsync()));
                var killedAt = Workload.Now;
                silos.Kill(instance);
                var firstAck = await workload.FirstAckAboveAsync(epoch, TimeSpan.FromSeconds(30));
                var ms = Stopwatch.GetElapsedTime(killedAt, firstAck).TotalMilliseconds;
                failoverMs.Add(ms);
                output.WriteLine(
                    $"kill {round + 1}: instance {instance} (epoch {epoch}); first write acknowledged by the new " +
                    $"primary after {ms:0} ms"
                );

                await silos.StartInstanceAsync(instance);

                // Before the next kill the group must have healed: every node caught up, on a silo of its own.
                await Eventually.HoldsAsync(
                    async () => await IsHealedAsync(group),
                    TimeSpan.FromSeconds(60),
                    async () => Describe(await group.GetStatusAsync())
                );
                await Task.Delay(2500);
                await Eventually.HoldsAsync(
                    async () => await IsHealedAsync(group),
                    TimeSpan.FromSeconds(60),
                    async () => Describe(await group.GetStatusAsync())
                );
            }
        }
        finally
        {
            await workload.StopAsync();
        }

        var sorted = failoverMs.Order().ToList();
        output.WriteLine(
            $"failover over {sorted.Count} kills: p50 {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms"
        );
        await HistoryCheck.AssertNothingLostAndLinearizableAsync(group, workload, output);
    }

    [Fact]
    public async Task PausedPrimaryAcknowledgesNothingAfterItIsDeposedAndRejoinsAsReplica()
    {
        await using var silos = await SiloProcesses.StartAsync(4, "pause");
        var group = silos.Store.Group(Name);
        await group.PutAsync("warm", "up", new WriteOptions { Timeout = TimeSpan.FromSeconds(30) });
        var workload = new Workload(group, keys: 4);
        workload.Start(writers: 6, readers: 2, sessions: 2);
        long resumedAt;
        int oldPrimary;
        long oldEpoch;
        try
        {
            await Task.Delay(1500);
            var (instance, epoch) = await PrimaryAwayFromInstanceZeroAsync(silos, group);
            oldEpoch = epoch;
            oldPrimary = (await group.GetStatusAsync()).PrimaryIndex;
            silos.Pause(instance);
            try
            {
                // The coordinator's checks time out and it promotes another node; writes go on meanwhile.
                await workload.FirstAckAboveAsync(epoch, TimeSpan.FromSeconds(30));
            }
            finally
            {
                silos.Resume(instance);
                resumedAt = Workload.Now;
            }

            output.WriteLine(
                $"paused instance {instance} (node {oldPrimary}, epoch {epoch}); resumed after a failover"
            );

            // It rejoins as a replica of the new epoch (or, if its silo was declared dead meanwhile, its node is
            // re-created elsewhere and rejoins the same way).
            await Eventually.HoldsAsync(async () => (await group.GetStatusAsync()) is var s && s.Epoch > epoch
                    && s.Nodes[oldPrimary] is { Role: NodeRole.Replica, CaughtUp: true } n && n.Epoch == s.Epoch,
                TimeSpan.FromSeconds(60), async () => Describe(await group.GetStatusAsync()));
        }
        finally
        {
            await workload.StopAsync();
        }

        var late = workload.Acks.Where(a => a.Epoch == oldEpoch && a.CompleteTicks > resumedAt).ToList();
        Assert.True(
            late.Count == 0,
            $"{late.Count} writes were acknowledged in the deposed epoch {oldEpoch} after its primary resumed"
        );
        await HistoryCheck.AssertNothingLostAndLinearizableAsync(group, workload, output);
    }

    /// <summary>The primary's instance and epoch, after moving the primary off instance 0 if it was there.</summary>
    private static async Task<(int Instance, long Epoch)> PrimaryAwayFromInstanceZeroAsync(
        SiloProcesses silos,
        IReplicatedGroup group
    )
    {
        var status = await group.GetStatusAsync();
        var instance = silos.InstanceOf(status.Nodes[status.PrimaryIndex].Silo);
        if (instance != 0)
        {
            return (instance, status.Epoch);
        }

        var target = status
            .Nodes.First(n => n.NodeIndex != status.PrimaryIndex && n.CaughtUp && silos.InstanceOf(n.Silo) != 0)
            .NodeIndex;
        var route = await silos.Grains.GetGrain<IGroupCoordinatorGrain>(Name).SwitchoverAsync(target);
        status = await group.GetStatusAsync();
        return (silos.InstanceOf(status.Nodes[route.PrimaryIndex].Silo), route.Epoch);
    }

    private static async Task<bool> IsHealedAsync(IReplicatedGroup group)
    {
        var s = await group.GetStatusAsync();
        return s.Nodes.All(n => n.Healthy && n.CaughtUp)
            && s.Nodes.Select(n => n.Silo).Distinct().Count() == s.NodeCount;
    }

    private static string Describe(GroupStatus s) =>
        $"epoch {s.Epoch}, primary {s.PrimaryIndex} ({s.Problem}): "
        + string.Join(
            "; ",
            s.Nodes.Select(n =>
                $"{n.NodeIndex} {n.Role} e{n.Epoch} on {n.Silo} applied {n.AppliedIndex} caught-up {n.CaughtUp} " +
                $"{n.Problem}"
            )
        );
}
