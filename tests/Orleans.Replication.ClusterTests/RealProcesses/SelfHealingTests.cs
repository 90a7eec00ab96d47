using System.Diagnostics;
using System.Globalization;
using Orleans.Replication.Client;
using Xunit;
using Xunit.Abstractions;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>
/// A group heals by itself: three silo processes on Redis clustering, a workload of Majority writes and Strong reads,
/// and real faults (kill -9, SIGSTOP) of the primary's process and of the others.
/// </summary>
/// <remarks>
/// Between a fault and its assertion only the workload talks to the cluster: no status call and no switchover that
/// could wake the coordinator up. A status call is made only before a victim is chosen, to find the primary's process.
/// The number of kills of the first test can be raised with the environment variable ORLEANS_REPLICATION_HEAL_KILLS.
/// A silo process that ends by itself (declared dead, it stops) is started again, as its supervisor would.
/// The silos' logs are kept beside the test binaries as heal-*-silo-i.log.
/// </remarks>
[Collection("real-processes")]
public sealed class SelfHealingTests(ITestOutputHelper output)
{
    private const string Name = "heal";
    private const int Silos = 3;

    // Enough for acknowledgements a few milliseconds apart; more writers only lengthen the end-of-run check and load
    // the machine, and on two cores a starved silo is declared dead (the silo host detects failures within ~2 s).
    private const int Writers = 2;
    private static readonly TimeSpan KillPeriod = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(2);

    [RedisFact]
    public async Task RepeatedKillsOfThePrimaryStallWritesAtMostThreeSecondsAndTheGroupHealsWithoutBeingLookedAt()
    {
        var kills =
            int.TryParse(
                Environment.GetEnvironmentVariable("ORLEANS_REPLICATION_HEAL_KILLS"),
                CultureInfo.InvariantCulture,
                out var k
            )
            && k > 6
                ? k
                : 6;
        await using var deployment = await StartAsync("kills");
        var group = deployment.Store.Group(Name);
        var workload = new Workload(group, keys: Math.Max(4, 2 * kills));
        workload.Start(Writers, readers: 2, sessions: 2);
        var rounds = new List<(long KilledAt, long Epoch, int Instance)>();
        GroupStatus healed;
        try
        {
            await Task.Delay(1500);
            for (var round = 0; round < kills; round++)
            {
                if (round > 0)
                {
                    await DelayUntilAsync(rounds[^1].KilledAt, KillPeriod);
                }

                var (instance, epoch, status) = await PrimaryAsync(deployment, group);
                output.WriteLine($"before kill {round + 1}: {Describe(status)}");
                var killedAt = Workload.Now;
                deployment.KillSilo(instance);
                rounds.Add((killedAt, epoch, instance));
                await DelayUntilAsync(killedAt, RestartDelay);
                await deployment.StartSiloAsync(instance);
            }

            // Ten seconds after the last restart, with nobody looking, the group is whole again: one look to check.
            await Task.Delay(TimeSpan.FromSeconds(10));
            healed = await group.GetStatusAsync();
        }
        finally
        {
            await workload.StopAsync();
        }

        var failures = new List<string>();
        var gaps = new List<double>();
        var failovers = new List<double>();
        foreach (var (killedAt, epoch, instance) in rounds)
        {
            var windowEnd =
                killedAt + (long)((KillPeriod - TimeSpan.FromSeconds(1)).TotalSeconds * Stopwatch.Frequency);
            var (length, start) = workload.LongestAckGap(killedAt - Stopwatch.Frequency, windowEnd);
            var gap = length.TotalMilliseconds;
            var firstAck = workload.Acks.Where(a => a.Epoch > epoch).Select(a => a.CompleteTicks)
                .DefaultIfEmpty(long.MaxValue).Min();
            var failover = firstAck == long.MaxValue
                ? double.PositiveInfinity
                : Stopwatch.GetElapsedTime(killedAt, firstAck).TotalMilliseconds;
            gaps.Add(gap);
            failovers.Add(failover);
            output.WriteLine(
                $"kill {gaps.Count} at {Utc(killedAt)}: instance {instance} (epoch {epoch}): longest gap between "
                    + $"acknowledged writes {gap:0} ms (from {Utc(start)}), first write acknowledged in a newer epoch "
                    + $"after {failover:0} ms"
            );
            if (gap > 3000)
            {
                failures.Add(
                    $"kill {gaps.Count} (instance {instance}, epoch {epoch}): no write was acknowledged for {gap:0} ms"
                );
            }
        }

        output.WriteLine(
            $"over {kills} kills: longest gap p50 {Median(gaps):0} ms, max {gaps.Max():0} ms; kill to first "
                + $"acknowledgement in the new epoch p50 {Median(failovers):0} ms, max {failovers.Max():0} ms"
        );
        output.WriteLine($"10 s after the last restart: {Describe(healed)}");
        Report(deployment);
        if (healed.UnderReplicatedSince is not null || !IsWhole(healed))
        {
            failures.Add($"10 s after the last restart the group is not whole: {Describe(healed)}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await HistoryCheck.AssertNothingLostAndLinearizableAsync(group, workload, output);
    }

    [RedisFact]
    public async Task APausedPrimaryIsReplacedWithinThreeSecondsAndAcknowledgesNothingInItsOldEpochAfterItResumes()
    {
        await using var deployment = await StartAsync("pause-primary");
        var group = deployment.Store.Group(Name);
        var workload = StartWorkload(group);
        long pausedAt, resumedAt, epoch;
        double? failoverMs = null;
        try
        {
            await Task.Delay(1500);
            var (instance, e, status) = await PrimaryAsync(deployment, group);
            epoch = e;
            output.WriteLine("before the pause: " + Describe(status));
            pausedAt = Workload.Now;
            deployment.PauseSilo(instance);
            try
            {
                try
                {
                    var firstAck = await workload.FirstAckAboveAsync(epoch, TimeSpan.FromSeconds(14));
                    failoverMs = Stopwatch.GetElapsedTime(pausedAt, firstAck).TotalMilliseconds;
                }
                catch (TimeoutException)
                {
                    // Reported below.
                }

                await DelayUntilAsync(pausedAt, TimeSpan.FromSeconds(15));
            }
            finally
            {
                deployment.ResumeSilo(instance);
                resumedAt = Workload.Now;
            }

            // Declared dead while frozen, the silo stops itself once it learns so, and supervision starts it again;
            // until then it may run on. Ten seconds of the workload after the resume.
            await Task.Delay(TimeSpan.FromSeconds(10));
            output.WriteLine(
                $"paused instance {instance} at {Utc(pausedAt)} (epoch {epoch}) for 15 s; first write acknowledged " +
                "in a newer epoch after "
                    + $"{(failoverMs is { } ms ? $"{ms:0} ms" : "never")}"
            );
            Report(deployment);
        }
        finally
        {
            await workload.StopAsync();
        }

        Assert.True(
            failoverMs is <= 3000,
            $"writes resumed in a newer epoch {(failoverMs is { } f ? $"{f:0} ms" : "never (within 14 s)")} "
                + "after the primary's process was paused"
        );
        var late = workload.Acks.Count(a => a.Epoch == epoch && a.CompleteTicks > resumedAt);
        Assert.True(
            late == 0,
            $"{late} writes were acknowledged in the deposed epoch {epoch} after its primary resumed"
        );
        await HistoryCheck.AssertNothingLostAndLinearizableAsync(group, workload, output);
    }

    [RedisFact]
    public async Task PausingEachProcessWithoutThePrimaryInTurnNeverStallsWritesForMoreThanTwoSeconds()
    {
        await using var deployment = await StartAsync("pause-replicas");
        var group = deployment.Store.Group(Name);
        var workload = StartWorkload(group);
        long from, to;
        try
        {
            await Task.Delay(1500);
            var (primary, _, status) = await PrimaryAsync(deployment, group);
            output.WriteLine("before the pauses: " + Describe(status));
            var others = Enumerable.Range(0, Silos).Where(i => i != primary).ToArray();
            from = Workload.Now - Stopwatch.Frequency;

            // Each pause outlasts failure detection, so the frozen process is declared dead and stops itself once it
            // resumes; supervision starts it again. The next pause comes 17 s after the resume: by then the group
            // must have its lost node back on the returned silo, or that pause takes a majority with it.
            foreach (var instance in others)
            {
                var pausedAt = Workload.Now;
                deployment.PauseSilo(instance);
                await DelayUntilAsync(pausedAt, TimeSpan.FromSeconds(10));
                deployment.ResumeSilo(instance);
                await DelayUntilAsync(pausedAt, TimeSpan.FromSeconds(10 + 17));
            }

            to = Workload.Now;
        }
        finally
        {
            await workload.StopAsync();
        }

        var (length, start) = workload.LongestAckGap(from, to);
        var gap = length.TotalMilliseconds;
        output.WriteLine(
            "paused two processes without the primary for 10 s each, the second 17 s after the first resumed, from " +
            $"{Utc(from + Stopwatch.Frequency)}: "
                + $"longest gap between acknowledged writes {gap:0} ms (from {Utc(start)})"
        );
        Report(deployment);
        ReportFailures(workload, start, start + (long)(length.TotalSeconds * Stopwatch.Frequency));
        Assert.True(
            gap <= 2000,
            $"no write was acknowledged for {gap:0} ms from {Utc(start)} while processes without the primary were " +
            "paused"
        );
        await HistoryCheck.AssertNothingLostAndLinearizableAsync(group, workload, output);
    }

    [RedisFact]
    public async Task AfterLosingAMajorityTheGroupComesBackByItselfOrByARecoveryThatAcceptsLoss()
    {
        await using var deployment = await StartAsync("majority");
        var group = deployment.Store.Group(Name);
        var workload = StartWorkload(group);
        try
        {
            // Both processes without the primary killed and started again 2 s later: the primary alone holds
            // everything, and writes resume once the nodes re-created on the restarted silos have caught up.
            await Task.Delay(1500);
            var (primary, _, status) = await PrimaryAsync(deployment, group);
            output.WriteLine("before killing both replicas: " + Describe(status));
            var others = Enumerable.Range(0, Silos).Where(i => i != primary).ToArray();
            var killedAt = Workload.Now;
            foreach (var i in others)
            {
                deployment.KillSilo(i);
            }

            await DelayUntilAsync(killedAt, RestartDelay);
            await Task.WhenAll(others.Select(deployment.StartSiloAsync));
            var restartedAt = Workload.Now;
            long resumed;
            try
            {
                resumed = await workload.FirstAckAfterAsync(restartedAt, TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                Assert.Fail(
                    $"no write was acknowledged within 30 s after both replicas' processes were started again "
                        + $"({Stopwatch.GetElapsedTime(killedAt, restartedAt).TotalMilliseconds:0} ms after the kill)"
                );
                throw;
            }

            var gap = workload.LongestAckGap(killedAt - Stopwatch.Frequency, resumed + 1).Length.TotalMilliseconds;
            output.WriteLine(
                $"killed instances {string.Join(", ", others)} at {Utc(killedAt)}; started again "
                    + $"{Stopwatch.GetElapsedTime(killedAt, restartedAt).TotalMilliseconds:0} ms after the kill; "
                    + $"longest gap between acknowledged writes {gap:0} ms"
            );

            // Ten seconds after the restart, with only the workload talking to it, the group is whole again.
            await DelayUntilAsync(restartedAt, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await workload.StopAsync();
        }

        var healed = await group.GetStatusAsync();
        output.WriteLine("10 s after the restart: " + Describe(healed));
        Report(deployment);
        Assert.True(
            healed.UnderReplicatedSince is null && IsWhole(healed),
            "10 s after the restart the group is not whole: " + Describe(healed)
        );
        await HistoryCheck.AssertNothingLostAndLinearizableAsync(group, workload, output);

        // The primary's process and one replica's killed at once, not started again: the survivor cannot prove that
        // it holds every acknowledged write, so only a recovery that accepts loss promotes it.
        var second = new Workload(group, keys: 4);
        second.Start(Writers, readers: 0, sessions: 0);
        try
        {
            await Task.Delay(1500);
            var (primary, epoch, status) = await PrimaryAsync(deployment, group);
            output.WriteLine("before killing the primary and a replica: " + Describe(status));
            var victims = new[] { primary, Enumerable.Range(0, Silos).First(i => i != primary) };
            var killedAt = Workload.Now;
            foreach (var i in victims)
            {
                deployment.KillSilo(i);
            }

            var refusal = await RecoverRefusedAsync(deployment, group, killedAt);
            output.WriteLine("recover without accepting loss: " + refusal.Message);
            var recovery = await group.RecoverAsync(acceptLoss: true);
            output.WriteLine(
                $"recover accepting loss: node {recovery.Promoted} promoted in epoch {recovery.Route.Epoch}, "
                    + $"may have lost writes {recovery.MayHaveLostWrites}: {recovery.Message}"
            );
            Assert.True(
                recovery.Route.HasPrimary,
                $"no primary after a recovery that accepts loss: {recovery.Message}"
            );
            Assert.True(recovery.MayHaveLostWrites, "a recovery from one node of three claims it lost nothing");
            Assert.True(recovery.Route.Epoch > epoch, $"recovered in epoch {recovery.Route.Epoch}, not after {epoch}");

            // Majority writes need two of the three nodes: they succeed once the killed processes are back and the
            // nodes re-created there have caught up from the promoted one.
            var recoveredAt = Workload.Now;
            await Task.WhenAll(victims.Select(deployment.StartSiloAsync));
            var restartedAt = Workload.Now;
            long resumed;
            try
            {
                resumed = await second.FirstAckAboveAsync(recovery.Route.Epoch - 1, TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                Assert.Fail(
                    $"no write was acknowledged in the recovered epoch {recovery.Route.Epoch} within 30 s after the " +
                    "killed "
                        + "processes were started again"
                );
                throw;
            }

            output.WriteLine(
                "first write acknowledged in the recovered epoch " +
                $"{Stopwatch.GetElapsedTime(recoveredAt, resumed).TotalMilliseconds:0} "
                    + $"ms after the recovery; the killed processes were started again "
                    + $"{Stopwatch.GetElapsedTime(recoveredAt, restartedAt).TotalMilliseconds:0} ms after it"
            );
            var put = await group.PutAsync(
                "after-recovery",
                "yes",
                new WriteOptions { Timeout = TimeSpan.FromSeconds(10) }
            );
            Assert.True(
                put.Epoch >= recovery.Route.Epoch,
                $"a write after the recovery was acknowledged in epoch {put.Epoch}"
            );
        }
        finally
        {
            await second.StopAsync();
        }

        var lost = await HistoryCheck.LostWritesAsync(group, second);
        output.WriteLine(
            $"{lost.Count} of {second.AckedUniqueWrites.Count} writes acknowledged before the double kill are gone "
                + "after the recovery that accepted loss"
        );
    }

    /// <summary>The workload every test runs: Majority writes on four keys, Strong and session reads.</summary>
    private static Workload StartWorkload(IReplicatedGroup group)
    {
        var workload = new Workload(group, keys: 4);
        workload.Start(Writers, readers: 2, sessions: 2);
        return workload;
    }

    /// <summary>
    /// A deployment of three silos with the group created, every node caught up on a silo of its own.
    /// </summary>
    private async Task<RedisDeployment> StartAsync(string name)
    {
        var watch = Stopwatch.StartNew();
        var deployment = await RedisDeployment.StartAsync(keepLogsAs: $"heal-{name}");
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Silos).Select(deployment.StartSiloAsync));
            deployment.Supervise = true;
            await deployment.ConnectAsync();
            var group = deployment.Store.Group(Name);

            // Right after the silos join they may not all know each other yet, and creating the group is refused as
            // "retry later".
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
                async () => IsWhole(await group.GetStatusAsync()),
                TimeSpan.FromSeconds(60),
                async () => Describe(await group.GetStatusAsync())
            );
            output.WriteLine(
                $"three silos on Redis clustering, the group whole, in {watch.Elapsed.TotalSeconds:0.0} s"
            );
            return deployment;
        }
        catch
        {
            output.WriteLine(deployment.Logs());
            await deployment.DisposeAsync();
            throw;
        }
    }

    /// <summary>The primary's silo and the epoch: the one look allowed before a fault.</summary>
    private static async Task<(int Instance, long Epoch, GroupStatus Status)> PrimaryAsync(
        RedisDeployment deployment,
        IReplicatedGroup group
    )
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var status = await group.GetStatusAsync(deadline.Token);
        Assert.True(status.PrimaryIndex >= 0, "no primary before the fault: " + Describe(status));
        return (deployment.InstanceOf(status.Nodes[status.PrimaryIndex].Silo), status.Epoch, status);
    }

    /// <summary>
    /// The refusal of a recovery that does not accept loss, asked for as an operator would: again after an answer
    /// that is not the one asked about (the coordinator has not yet seen the primary's silo die, so the group still
    /// has a primary) or a call that failed (the client's gateway was a killed silo), until 30 s after the kill.
    /// </summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    private async Task<InvalidOperationException> RecoverRefusedAsync(
        RedisDeployment deployment,
        IReplicatedGroup group,
        long killedAt
    )
    {
        var deadline = TimeSpan.FromSeconds(30);
        string last = "not asked";
        while (Stopwatch.GetElapsedTime(killedAt) < deadline)
        {
            // One attempt may be stuck on a gateway that was killed (Orleans answers such a call only at its own 30 s
            // response timeout): each gets 5 s, so the next one goes through a live gateway.
            var left = deadline - Stopwatch.GetElapsedTime(killedAt);
            using var attempt = new CancellationTokenSource(left < AttemptTimeout ? left : AttemptTimeout);
            try
            {
                var recovered = await group.RecoverAsync(acceptLoss: false, attempt.Token);
                Assert.Fail(
                    $"a group with one node of three left recovered without accepting loss: {recovered.Message}"
                );
            }
            catch (InvalidOperationException e) when (!e.Message.Contains("has a primary", StringComparison.Ordinal))
            {
                return e;
            }
            catch (Exception e)
                when (e
                        is InvalidOperationException
                            or OrleansException
                            or TimeoutException
                            or ReplicationException
                            or OperationCanceledException
                )
            {
                last =
                    $"{Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s after the kill: {e.GetType().Name}: " +
                    $"{e.Message}";
                output.WriteLine("recover without accepting loss, " + last);
            }

            await Task.Delay(200);
        }

        var table = await deployment.MembershipTableAsync();
        output.WriteLine(
            $"membership table {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s after the kill:\n{table}"
        );
        throw new Xunit.Sdk.XunitException(
            $"recover without accepting loss was not refused for want of a majority within "
                + $"{deadline.TotalSeconds:0} s of the kill; last answer {last}"
        );
    }

    /// <summary>
    /// The fault schedule: waits until <paramref name="after"/> has passed since the timestamp
    /// <paramref name="start"/>.
    /// </summary>
    private static Task DelayUntilAsync(long start, TimeSpan after)
    {
        var left = after - Stopwatch.GetElapsedTime(start);
        return left > TimeSpan.Zero ? Task.Delay(left) : Task.CompletedTask;
    }

    /// <summary>A timestamp as the silos' logs write it (UTC), to find a moment of the run in them.</summary>
    private static string Utc(long ticks) =>
        (DateTime.UtcNow - Stopwatch.GetElapsedTime(ticks)).ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private void Report(RedisDeployment deployment) =>
        output.WriteLine(
            deployment.Supervision.Count == 0 ? "no silo ended by itself" : string.Join("\n", deployment.Supervision)
        );

    /// <summary>
    /// The writes that failed, or whose outcome is unknown, among those that ended in [<paramref name="from"/>,
    /// <paramref name="to"/>]: what the client said.
    /// </summary>
    private void ReportFailures(Workload workload, long from, long to)
    {
        var failures = workload
            .WriteFailures.Where(f => f.FailedTicks >= from && f.FailedTicks <= to + Stopwatch.Frequency / 10)
            .ToList();
        output.WriteLine($"{failures.Count} writes failed or ended unknown in the longest gap");
        foreach (var group in failures.GroupBy(f => f.Error).Take(8))
        {
            var first = group.First();
            output.WriteLine(
                $"  {group.Count()}x, first invoked {Utc(first.InvokedTicks)} ended {Utc(first.FailedTicks)}: " +
                $"{group.Key}"
            );
        }
    }

    /// <summary>A primary, every node caught up and healthy, each on a silo of its own.</summary>
    internal static bool IsWhole(GroupStatus s) =>
        s.PrimaryIndex >= 0 && s.Nodes.Count == s.NodeCount && s.Nodes.All(n => n.Healthy && n.CaughtUp)
        && s.Nodes.Select(n => n.Silo).Distinct().Count() == s.NodeCount;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Describe(GroupStatus s) =>
        $"epoch {s.Epoch}, primary {s.PrimaryIndex} ({s.Problem}), under-replicated since "
        + $"{s.UnderReplicatedSince?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "-"}, "
        + $"repair {s.Repair ?? "-"}: "
        + string.Join(
            "; ",
            s.Nodes.Select(n =>
                $"{n.NodeIndex} {n.Role} e{n.Epoch} on {n.Silo} applied {n.AppliedIndex} "
                + $"caught-up {n.CaughtUp} healthy {n.Healthy} {n.Problem}"
            )
        );
}
