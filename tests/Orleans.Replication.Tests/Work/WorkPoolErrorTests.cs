using Orleans.Replication.Client;
using Orleans.Replication.Work;

namespace Orleans.Replication.Tests.Work;

/// <summary>The work client reports expected failures with typed exceptions, against a faked controller.</summary>
public sealed class WorkPoolErrorTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ATaskThatDoesNotFinishByItsDeadline_IsAWorkTimeout_NamingThePool()
    {
        var pool = Pool(_ => Result(WorkTaskState.Running, after: TimeSpan.FromMilliseconds(20)));

        var e = await Assert.ThrowsAsync<WorkTimeoutException>(() =>
            pool.RunAsync("t1", "echo", [], new TaskOptions { Deadline = TimeSpan.FromMilliseconds(300) })
                .WaitAsync(Limit)
        );

        Assert.Equal("p", e.Pool);
        Assert.Equal(TimeSpan.FromMilliseconds(300), e.Deadline);
        Assert.True(e.IsRetryable);
        Assert.IsAssignableFrom<ReplicationException>(e);
    }

    [Fact]
    public async Task ATaskTheControllerKeepsLosing_IsAWorkTaskLost_AfterItsResubmissions()
    {
        var pool = Pool(_ => Result(WorkTaskState.NotFound, after: TimeSpan.Zero));

        var e = await Assert.ThrowsAsync<WorkTaskLostException>(() =>
            pool.RunAsync("t2", "echo", [], new TaskOptions { Deadline = TimeSpan.FromSeconds(5) }).WaitAsync(Limit));

        Assert.Equal("t2", e.TaskId);
        Assert.Equal("p", e.Pool);
        Assert.True(e.Submissions > 1, $"the task was submitted {e.Submissions} times");
    }

    private static IWorkPool Pool(Func<string, Task<TaskResult>> result)
    {
        var controller = QueuedWritesTests.GrainProxy.Create<ITaskControllerGrain>(
            (method, args) =>
                method.Name switch
                {
                    nameof(ITaskControllerGrain.SubmitAsync) => Task.FromResult(
                        new SubmitReceipt(((TaskSubmission)args[0]!).TaskId, WorkTaskState.Queued, false)
                    ),
                    nameof(ITaskControllerGrain.GetResultAsync) => result((string)args[0]!),
                    _ => throw new NotSupportedException($"{method.Name} is not faked."),
                }
        );
        return new WorkPool(
            "p",
            controller,
            QueuedWritesTests.GrainProxy.Create<IGrainFactory>((m, _) => throw new NotSupportedException(m.Name)),
            TimeProvider.System
        );
    }

    private static async Task<TaskResult> Result(WorkTaskState state, TimeSpan after)
    {
        await Task.Delay(after);
        return new TaskResult("t", state, null, null, 0, -1, null, 0);
    }
}
