using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Work;

/// <summary>
/// The controller of one pool: queue, dispatch to responders, retries, results. See <see cref="ITaskControllerGrain"/>.
/// </summary>
/// <remarks>
/// Reentrant so that it keeps taking submissions, reports and result requests while calls to responders and waits for
/// results are out; every field is touched only on the grain's turns, so no state needs a lock. No turn waits for a
/// task to run: a responder takes an attempt and reports back with <see cref="CompleteAsync"/>. A timer refreshes the
/// responders from membership, runs again the attempts of responders whose silo left, gives up attempts past their
/// deadline, drops expired results and probes the responders.
/// </remarks>
[Reentrant]
internal sealed partial class TaskControllerGrain(
    IOptions<WorkOptions> options,
    WorkRegistry registry,
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<TaskControllerGrain> logger) : Grain, ITaskControllerGrain
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a controller with no tasks stays active after its last call.</summary>
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromMinutes(10);
    private readonly Guid _incarnation = Guid.NewGuid();
    private readonly WorkOptions _options = options.Value;
    private readonly Dictionary<string, WorkItem> _tasks = new(StringComparer.Ordinal);
    private readonly LinkedList<WorkItem> _queue = new();
    private readonly LoadBalancer _balancer = new(options.Value.Strategy);
    private string _pool = "";
    private string? _badKey;
    private long _succeeded;
    private long _failed;
    private long _retried;
    private long _lastActivity;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _pool = this.GetPrimaryKeyString();
        try
        {
            WorkLimits.ValidatePool(_pool);
        }
        catch (ArgumentException e)
        {
            _badKey = e.Message;
            return Task.CompletedTask;
        }

        _lastActivity = time.GetTimestamp();
        RefreshResponders();
        this.RegisterGrainTimer(
            OnTick,
            new GrainTimerCreationOptions(TickInterval, TickInterval) { Interleave = true, KeepAlive = true }
        );
        return Task.CompletedTask;
    }

    public Task<SubmitReceipt> SubmitAsync(TaskSubmission submission)
    {
        ThrowIfBadKey();
        ArgumentNullException.ThrowIfNull(submission);
        _lastActivity = time.GetTimestamp();
        WorkLimits.ValidateTaskId(submission.TaskId, "TaskId");
        WorkLimits.ValidateName(submission.Handler, "task handler", "Handler");
        registry.GetHandler(submission.Handler, "Handler");

        if (submission.Payload is null)
        {
            throw new ArgumentException("A task's payload must not be null (send an empty array for none).", "Payload");
        }

        if (submission.Payload.Length > _options.MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"The payload of task '{submission.TaskId}' is {submission.Payload.Length} bytes; pool '{_pool}' " +
                $"takes at most {_options.MaxPayloadBytes}.",
                "Payload"
            );
        }

        var timeout = submission.Timeout ?? _options.DefaultTaskTimeout;
        if (timeout <= TimeSpan.Zero || timeout > _options.MaxTaskTimeout)
        {
            throw new ArgumentException(
                $"A task's timeout must be positive and at most {_options.MaxTaskTimeout}; it is {timeout}.",
                "Timeout"
            );
        }

        if (submission.Strategy is { } s && !Enum.IsDefined(s))
        {
            throw new ArgumentException($"Unknown load-balancing strategy {s}.", "Strategy");
        }

        if (_tasks.TryGetValue(submission.TaskId, out var existing))
        {
            return Task.FromResult(new SubmitReceipt(existing.TaskId, existing.State, Duplicate: true));
        }

        if (_queue.Count >= _options.MaxQueuedTasks)
        {
            throw new WorkQueueFullException(
                _pool,
                submission.TaskId,
                _options.MaxQueuedTasks,
                $"The queue of pool '{_pool}' is full ({_queue.Count} tasks waiting, {RunningCount()} running); task " +
                $"'{submission.TaskId}' was not queued. Try again when tasks finish."
            );
        }

        var item = new WorkItem(submission, timeout, time.GetTimestamp());
        _tasks.Add(item.TaskId, item);
        _queue.AddLast(item);
        Pump();
        return Task.FromResult(new SubmitReceipt(item.TaskId, item.State, Duplicate: false));
    }

    public async Task<TaskResult> GetResultAsync(string taskId, TimeSpan wait)
    {
        ThrowIfBadKey();
        _lastActivity = time.GetTimestamp();
        WorkLimits.ValidateTaskId(taskId);
        if (wait < TimeSpan.Zero)
        {
            throw new ArgumentException($"The wait must not be negative; it is {wait}.", nameof(wait));
        }

        if (!_tasks.TryGetValue(taskId, out var item))
        {
            return new TaskResult(taskId, WorkTaskState.NotFound, null, null, 0, -1, null, 0);
        }

        if (!item.State.IsFinished() && wait > TimeSpan.Zero)
        {
            try
            {
                await item.Done.Task.WaitAsync(wait < WorkLimits.MaxResultWait ? wait : WorkLimits.MaxResultWait);
            }
            catch (TimeoutException)
            {
                // Not finished yet: the caller gets the current state and asks again.
            }
        }

        var finished = item.State.IsFinished();
        if (finished && _tasks.TryGetValue(taskId, out var still) && ReferenceEquals(still, item))
        {
            // A result is handed out once; a concurrent request for the same id then finds nothing.
            _tasks.Remove(taskId);
        }
        else if (finished)
        {
            return new TaskResult(taskId, WorkTaskState.NotFound, null, null, 0, -1, null, 0);
        }

        var end = finished ? item.FinishedAt : time.GetTimestamp();
        return new TaskResult(
            item.TaskId,
            item.State,
            item.Output,
            item.Error,
            item.Attempts,
            item.Responder?.Id ?? -1,
            item.Silo,
            time.GetElapsedTime(item.SubmittedAt, end).TotalMilliseconds
        );
    }

    public Task<PoolStatus> GetStatusAsync()
    {
        ThrowIfBadKey();
        var unfetched = _tasks.Values.Count(t => t.State.IsFinished());
        return Task.FromResult(
            new PoolStatus(
                _pool,
                _balancer.Strategy,
                _queue.Count,
                RunningCount(),
                _succeeded,
                _failed,
                _retried,
                unfetched,
                _options.MaxQueuedTasks,
                [.. _responders.Values.OrderBy(r => r.Id).Select(r => r.ToStatus())]
            )
        );
    }

    public Task<WorkCatalog> GetCatalogAsync()
    {
        ThrowIfBadKey();
        return Task.FromResult(
            new WorkCatalog(
                registry.HandlerNames,
                registry.MapperNames,
                registry.ReducerNames,
                _options.MaxPayloadBytes,
                _options.MaxQueuedTasks,
                _responders.Values.Count(r => r.Healthy) * _options.TasksPerResponder
            )
        );
    }

    private void ThrowIfBadKey()
    {
        if (_badKey is not null)
        {
            throw new ArgumentException(_badKey, "pool");
        }
    }

    private int RunningCount() => _responders.Values.Sum(r => r.Running.Count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pool {Pool}: task {TaskId} runs again ({Reason}).")]
    private partial void LogRetry(string pool, string taskId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pool {Pool}: responder {Responder} is unhealthy: {Reason}")]
    private partial void LogUnhealthy(string pool, string responder, string reason);
}
