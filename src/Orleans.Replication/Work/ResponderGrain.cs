using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Orleans.Replication.Work;

/// <summary>
/// Runs the tasks a pool's controller hands it, on its own silo, off the grain's turn, and reports each outcome.
/// </summary>
/// <remarks>
/// Reentrant: starting a task, a probe and the reports of finished tasks interleave; the grain's own state (the
/// attempts running) is touched only on its turns. Handlers run on the thread pool, so a long or CPU-bound task never
/// holds a turn.
/// </remarks>
[ResponderPlacement]
[Reentrant]
internal sealed partial class ResponderGrain(
    WorkRegistry registry,
    ILocalSiloDetails localSilo,
    ILogger<ResponderGrain> logger) : Grain, IResponderGrain
{
    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(5);
    private readonly HashSet<(string TaskId, int Attempt, Guid Incarnation)> _running = [];

    /// <summary>This silo, as outcomes and probes name it.</summary>
    private readonly string _silo = localSilo.SiloAddress.ToParsableString();

    public Task StartAsync(TaskAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (_running.Add((assignment.TaskId, assignment.Attempt, assignment.Incarnation)))
        {
            // Stay active at least as long as the task may run: the attempt is not a request the runtime sees.
            DelayDeactivation(assignment.Timeout + ReportTimeout * 4);
            _ = RunAsync(assignment);
        }

        return Task.CompletedTask;
    }

    public Task<string> PingAsync() => Task.FromResult(_silo);

    private async Task RunAsync(TaskAssignment a)
    {
        var watch = Stopwatch.StartNew();
        AttemptOutcome Outcome(WorkTaskState state, byte[]? output, string? error) =>
            new(a.TaskId, a.Attempt, state, output, error, _silo, watch.Elapsed.TotalMilliseconds, a.Incarnation);

        AttemptOutcome outcome;
        try
        {
            if (!registry.TryGetHandler(a.Handler, out var handler))
            {
                outcome = new(
                    a.TaskId,
                    a.Attempt,
                    WorkTaskState.Failed,
                    null,
                    $"No task handler named '{a.Handler}' is registered on silo {_silo}.",
                    _silo,
                    0,
                    a.Incarnation
                );
            }
            else
            {
                using var timeout = new CancellationTokenSource(a.Timeout);
                try
                {
                    var output = await Task.Run(
                            () => handler.ExecuteAsync(a.Payload, timeout.Token),
                            CancellationToken.None
                        )
                        .WaitAsync(a.Timeout);
                    outcome = Outcome(WorkTaskState.Succeeded, output ?? [], null);
                }
                catch (Exception e)
                    when (e is TimeoutException || (e is OperationCanceledException && timeout.IsCancellationRequested))
                {
                    outcome = Outcome(
                        WorkTaskState.TimedOut,
                        null,
                        $"The task did not finish within its timeout of {a.Timeout.TotalSeconds:0.###} s."
                    );
                }
                catch (Exception e)
                {
                    outcome = Outcome(WorkTaskState.Failed, null, $"{e.GetType().Name}: {e.Message}");
                }
            }
        }
        finally
        {
            _running.Remove((a.TaskId, a.Attempt, a.Incarnation));
        }

        await ReportAsync(a.Pool, outcome);
    }

    private async Task ReportAsync(string pool, AttemptOutcome outcome)
    {
        var controller = GrainFactory.GetGrain<ITaskControllerGrain>(pool);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await controller.CompleteAsync(outcome).WaitAsync(ReportTimeout);
                return;
            }
            catch (Exception e) when (attempt < 3)
            {
                LogReportRetry(outcome.TaskId, pool, e.Message);
            }
            catch (Exception e)
            {
                // The controller's deadline for the attempt will pass; it then decides (run again, or fail the task).
                LogReportFailed(outcome.TaskId, pool, e.Message);
                return;
            }
        }
    }

    [LoggerMessage(
        Level = LogLevel.Debug,
        Message = "Reporting task {TaskId} to pool {Pool} failed, retrying: {Reason}"
    )]
    private partial void LogReportRetry(string taskId, string pool, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report task {TaskId} to pool {Pool}: {Reason}")]
    private partial void LogReportFailed(string taskId, string pool, string reason);
}
