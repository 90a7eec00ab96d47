namespace Orleans.Replication.Work;

/// <summary>
/// Base of the errors the work-distribution API reports for expected failures (a full queue, deadlines, lost tasks).
/// </summary>
[GenerateSerializer, Alias("orepl.WorkException")]
public class WorkException : ReplicationException
{
    public WorkException(string pool, string message, Exception? inner = null)
        : base(message, inner) => Pool = pool;

    /// <summary>The pool.</summary>
    [Id(0)]
    public string Pool { get; private set; }
}

/// <summary>The pool's queue is full: the task was not queued. Submit it again when tasks finish.</summary>
/// <remarks>Thrown by the pool's controller; <c>RunAsync</c> and MapReduce jobs wait and submit again within their
/// deadline.</remarks>
[GenerateSerializer, Alias("orepl.WorkQueueFullException")]
public sealed class WorkQueueFullException : WorkException
{
    public WorkQueueFullException(string pool, string taskId, int capacity, string message)
        : base(pool, message)
    {
        TaskId = taskId;
        Capacity = capacity;
    }

    /// <summary>The task that was not queued.</summary>
    [Id(0)]
    public string TaskId { get; private set; }

    /// <summary>Most tasks that may wait in the pool's queue (<c>WorkOptions.MaxQueuedTasks</c>).</summary>
    [Id(1)]
    public int Capacity { get; private set; }

    /// <inheritdoc/>
    public override bool IsRetryable => true;
}

/// <summary>
/// A task or a MapReduce job did not finish within its deadline; a task may still run and finish later.
/// </summary>
public sealed class WorkTimeoutException(string pool, TimeSpan deadline, string message, Exception? inner = null)
    : WorkException(pool, message, inner)
{
    /// <summary>The deadline that passed.</summary>
    public TimeSpan Deadline { get; } = deadline;

    /// <inheritdoc/>
    public override bool IsRetryable => true;
}

/// <summary>
/// A task was lost by its pool's controller (its silo left the cluster) more often than the client submits it again;
/// the task may or may not have run.
/// </summary>
public sealed class WorkTaskLostException(string pool, string taskId, int submissions, string message)
    : WorkException(pool, message)
{
    /// <summary>The task.</summary>
    public string TaskId { get; } = taskId;

    /// <summary>How many times it was submitted.</summary>
    public int Submissions { get; } = submissions;

    /// <inheritdoc/>
    public override bool IsRetryable => true;
}
