using System.Diagnostics;
using Orleans.Replication.Client;
using Xunit;
using Xunit.Abstractions;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>SIGTERM on the silo process that hosts a group's primary, while Majority writes run.</summary>
/// <remarks>
/// Three silo processes of the host executable on localhost clustering; instance 0 holds the membership table, so the
/// primary is first moved off it. The stopping silo must hand the group over before its grains go away: the new
/// primary is on another silo, the old process exits cleanly, and every acknowledged write is still there.
/// </remarks>
[Collection("real-processes")]
public sealed class GracefulShutdownTests(ITestOutputHelper output)
{
    private const string Name = "graceful";

    [Fact]
    public async Task SigtermOnThePrimarysSiloHandsOverFirstAndLosesNoAcknowledgedWrite()
    {
        await using var silos = await SiloProcesses.StartAsync(3, Name);
        var group = silos.Store.Group(Name);
        // On a loaded machine the group's first creation can be refused as "not known yet; retry": retry it, with a
        // deadline.
        await Eventually.HoldsAsync(
            async () =>
                (await group.PutAsync("warm", "up", new WriteOptions { Timeout = TimeSpan.FromSeconds(10) })).Version
                > 0,
            TimeSpan.FromSeconds(60),
            () => Task.FromResult("the group was not created")
        );
        await Eventually.HoldsAsync(
            async () => (await group.GetStatusAsync()).Nodes.All(n => n.Healthy && n.CaughtUp),
            TimeSpan.FromSeconds(30),
            async () => Describe(await group.GetStatusAsync())
        );

        var status = await group.GetStatusAsync();
        if (silos.InstanceOf(status.Nodes[status.PrimaryIndex].Silo) == 0)
        {
            var target = status
                .Nodes.First(n => n.NodeIndex != status.PrimaryIndex && silos.InstanceOf(n.Silo) != 0)
                .NodeIndex;
            await silos.Grains.GetGrain<IGroupCoordinatorGrain>(Name).SwitchoverAsync(target);
            status = await group.GetStatusAsync();
        }

        var stopped = silos.InstanceOf(status.Nodes[status.PrimaryIndex].Silo);
        var stoppedSilo = status.Nodes[status.PrimaryIndex].Silo;
        var workload = new Workload(group, keys: 4);
        workload.Start(writers: 6, readers: 2, sessions: 0);
        int exitCode;
        double stopMs;
        try
        {
            await workload.FirstAckAboveAsync(status.Epoch - 1, TimeSpan.FromSeconds(10)); // writes are flowing
            var watch = Stopwatch.StartNew();
            exitCode = await silos.TerminateAsync(stopped, TimeSpan.FromSeconds(50));
            stopMs = watch.Elapsed.TotalMilliseconds;
            await workload.FirstAckAboveAsync(status.Epoch, TimeSpan.FromSeconds(20));
        }
        finally
        {
            await workload.StopAsync();
        }

        var log = await File.ReadAllTextAsync(silos.LogPath(stopped));
        output.WriteLine(
            $"instance {stopped} (primary node {status.PrimaryIndex}, epoch {status.Epoch}) stopped in {stopMs:0} ms " +
            $"with exit code {exitCode}"
        );
        Assert.True(exitCode == 0, $"the silo exited with {exitCode} after SIGTERM; its log:\n{log}");
        Assert.True(
            log.Contains($"Group {Name}: handed over to node", StringComparison.Ordinal),
            $"the stopping silo did not hand the group over; its log:\n{log}"
        );

        var after = await group.GetStatusAsync();
        output.WriteLine("after: " + Describe(after));
        Assert.True(after.Epoch > status.Epoch, $"the epoch did not advance: {Describe(after)}");
        Assert.NotEqual(stoppedSilo, after.Nodes[after.PrimaryIndex].Silo);

        var strong = new ReadOptions { Consistency = ReadConsistency.Strong, Timeout = TimeSpan.FromSeconds(15) };
        var lost = new List<string>();
        foreach (var (key, value) in workload.AckedUniqueWrites)
        {
            var read = await group.GetAsync(key, strong);
            if (read.ValueAsString != value)
            {
                lost.Add($"{key}={value} (read {read.ValueAsString ?? "absent"})");
            }
        }

        Assert.True(workload.AckedUniqueWrites.Count > 0, "no write was acknowledged");
        Assert.True(
            lost.Count == 0,
            $"{lost.Count} of {workload.AckedUniqueWrites.Count} acknowledged writes lost: " +
            $"{string.Join(", ", lost.Take(10))}"
        );
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
