using System.Globalization;
using System.Text;
using Orleans.Replication.Client;
using Orleans.Replication.LoadBalancing;
using Orleans.Replication.Work;
using Xunit;

namespace Orleans.Replication.ClusterTests.Work;

[Collection("work")]
public sealed class TaskControllerTests(WorkClusterFixture fixture)
{
    private static byte[] Ms(int ms) => Encoding.UTF8.GetBytes(ms.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public async Task ATaskRunsOnAResponderAndItsResultIsHandedOutOnce()
    {
        var pool = fixture.Work.Pool("tasks-basic");
        var result = await pool.RunAsync("t1", "echo", [1, 2, 3]);

        Assert.Equal(WorkTaskState.Succeeded, result.State);
        Assert.Equal([1, 2, 3], result.Output);
        Assert.Equal(1, result.Attempts);
        Assert.NotNull(result.Silo);
        Assert.Equal(WorkTaskState.NotFound, (await pool.GetResultAsync("t1")).State);

        var status = await pool.GetStatusAsync();
        Assert.Equal(1, status.Succeeded);
        Assert.Equal(3, status.Responders.Count);
        Assert.All(status.Responders, r => Assert.True(r.Healthy, r.Problem));
    }

    [Fact]
    public async Task AnUnfetchedResultIsKeptUntilItExpires()
    {
        var pool = fixture.Work.Pool("tasks-expiry");
        await pool.SubmitAsync("e1", "echo", [7]);
        await Eventually.HoldsAsync(
            async () => (await pool.GetStatusAsync()).UnfetchedResults == 1,
            TimeSpan.FromSeconds(5),
            "the task finishes"
        );
        var kept = await pool.GetStatusAsync();
        Assert.Equal(1, kept.Succeeded);

        await Eventually.HoldsAsync(
            async () => (await pool.GetStatusAsync()).UnfetchedResults == 0,
            WorkCluster.ResultRetention * 3,
            "the result expires"
        );
        Assert.Equal(WorkTaskState.NotFound, (await pool.GetResultAsync("e1")).State);
    }

    [Fact]
    public async Task FailuresAndTimeoutsAreReportedWithTheirReason()
    {
        var pool = fixture.Work.Pool("tasks-fail");
        var failed = await pool.RunAsync("f1", "fail", []);
        Assert.Equal(WorkTaskState.Failed, failed.State);
        Assert.Contains("the handler refused the task", failed.Error);
        Assert.Equal(1, failed.Attempts);

        var slow = await pool.RunAsync(
            "s1",
            "sleep",
            Ms(5_000),
            new TaskOptions { Timeout = TimeSpan.FromMilliseconds(200) }
        );
        Assert.Equal(WorkTaskState.TimedOut, slow.State);
        Assert.Contains("timeout", slow.Error);
    }

    [Fact]
    public async Task BadSubmissionsAreRefusedWithAClearErrorAndQueueNothing()
    {
        var pool = fixture.Work.Pool("tasks-bad");
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => pool.SubmitAsync("a", "no-such-handler", []));
        Assert.Contains("No task handler named 'no-such-handler'", unknown.Message);
        Assert.Contains("echo", unknown.Message);
        var big = await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.SubmitAsync("b", "echo", new byte[WorkCluster.MaxPayloadBytes + 1])
        );
        Assert.Contains($"at most {WorkCluster.MaxPayloadBytes}", big.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => pool.SubmitAsync("", "echo", []));
        await Assert.ThrowsAsync<ArgumentException>(() => pool.SubmitAsync(new string('i', 300), "echo", []));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.SubmitAsync("c", "echo", [], new TaskOptions { Timeout = TimeSpan.FromDays(2) })
        );
        await Assert.ThrowsAsync<ArgumentNullException>(() => pool.SubmitAsync("d", "echo", null!));
        Assert.Throws<ArgumentException>(() => fixture.Work.Pool("bad/pool"));

        var status = await pool.GetStatusAsync();
        Assert.Equal(0, status.Queued + status.Running + status.Succeeded + status.Failed);
    }

    [Fact]
    public async Task ADuplicateTaskIdReturnsTheExistingTaskAndNeverRunsItTwice()
    {
        var pool = fixture.Work.Pool("tasks-dup");
        var key = "dup-" + Guid.NewGuid().ToString("N");
        var payload = Encoding.UTF8.GetBytes(key);
        var first = await pool.SubmitAsync("same", "count", payload);
        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => pool.SubmitAsync("same", "count", payload)));

        Assert.False(first.Duplicate);
        Assert.All(again, r => Assert.True(r.Duplicate));
        var result = await pool.RunAsync("same", "count", payload);
        Assert.Equal(WorkTaskState.Succeeded, result.State);
        Assert.Equal(1, CountingHandler.Runs[key]);
        Assert.Equal(1, CountingHandler.MaxConcurrent[key]);
    }

    [Fact]
    public async Task AFullQueueRefusesMoreTasksUntilItDrains()
    {
        var pool = fixture.Work.Pool("tasks-full");
        var slots = 3 * WorkCluster.TasksPerResponder;
        var accepted = 0;
        WorkQueueFullException? full = null;
        for (var i = 0; i < slots + WorkCluster.MaxQueuedTasks + 5 && full is null; i++)
        {
            try
            {
                await pool.SubmitAsync($"q{i}", "sleep", Ms(1_000));
                accepted++;
            }
            catch (WorkQueueFullException e)
            {
                full = e;
            }
        }

        Assert.NotNull(full);
        Assert.Contains("is full", full.Message);
        Assert.Equal(("tasks-full", WorkCluster.MaxQueuedTasks), (full.Pool, full.Capacity));
        Assert.StartsWith("q", full.TaskId, StringComparison.Ordinal);
        Assert.InRange(accepted, WorkCluster.MaxQueuedTasks, WorkCluster.MaxQueuedTasks + slots);
        var status = await pool.GetStatusAsync();
        Assert.Equal(WorkCluster.MaxQueuedTasks, status.Queued);

        // Back-pressure, not loss: every accepted task still runs.
        await Eventually.HoldsAsync(
            async () => (await pool.GetStatusAsync()).Queued < WorkCluster.MaxQueuedTasks,
            TimeSpan.FromSeconds(10),
            "the queue drains"
        );
        Assert.False((await pool.SubmitAsync("after", "echo", [])).Duplicate);
    }

    [Fact]
    public async Task RoundRobinGivesEachResponderItsTurn()
    {
        var pool = fixture.Work.Pool("lb-rr");
        var options = new TaskOptions { Strategy = LoadBalancingStrategy.RoundRobin };
        var byResponder = new Dictionary<int, int>();
        for (var i = 0; i < 30; i++)
        {
            var r = await pool.RunAsync($"rr{i}", "echo", [], options);
            byResponder[r.ResponderId] = byResponder.GetValueOrDefault(r.ResponderId) + 1;
        }

        Assert.Equal(3, byResponder.Count);
        Assert.All(byResponder.Values, n => Assert.InRange(n, 9, 11));
    }

    [Fact]
    public async Task LeastConnectionsAndWeightedResponseTimeSendLessToASlowResponder()
    {
        var slowSilo = fixture.Cluster.Silos[1].SiloAddress;
        SkewedHandler.SlowSilo = slowSilo.ToString();
        try
        {
            foreach (
                var strategy in new[]
                {
                    LoadBalancingStrategy.LeastConnections,
                    LoadBalancingStrategy.WeightedResponseTime,
                }
            )
            {
                var pool = fixture.Work.Pool("lb-" + strategy);
                var options = new TaskOptions { Strategy = strategy };
                var results = await Task.WhenAll(
                    Enumerable.Range(0, 36).Select(i => pool.RunAsync($"s{i}", "skewed", [], options))
                );
                var slow = results.Count(r => r.Silo == slowSilo.ToParsableString());
                var fast = results.Length - slow;

                // Equal shares would give the slow responder 12 of 36; it finishes a task in 300 ms, the others in 10
                // ms.
                Assert.True(
                    slow <= 8 && fast >= 28,
                    $"{strategy}: {slow} tasks on the slow responder, {fast} on the fast ones"
                );
            }
        }
        finally
        {
            SkewedHandler.SlowSilo = null;
        }
    }
}
