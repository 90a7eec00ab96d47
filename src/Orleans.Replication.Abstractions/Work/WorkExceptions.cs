namespace Orleans.Replication.Work;

/// <summary>Base of the errors the work-distribution API reports for expected failures (deadlines, lost tasks).</summary>
public class WorkException(string pool, string message, Exception? inner = null) : ReplicationException(message, inner)
{
    /// <summary>The pool.</summary>
    public string Pool { get; } = pool;
}

/// <summary>A task or a MapReduce job did not finish within its deadline; a task may still run and finish later.</summary>
public sealed class WorkTimeoutException(string pool, TimeSpan deadline, string message, Exception? inner = null) : WorkException(pool, message, inner)
{
    /// <summary>The deadline that passed.</summary>
    public TimeSpan Deadline { get; } = deadline;

    /// <inheritdoc/>
    public override bool IsRetryable => true;
}

/// <summary>
/// A task was lost by its pool's controller (its silo left the cluster) more often than the client submits it again; the
/// task may or may not have run.
/// </summary>
public sealed class WorkTaskLostException(string pool, string taskId, int submissions, string message) : WorkException(pool, message)
{
    /// <summary>The task.</summary>
    public string TaskId { get; } = taskId;

    /// <summary>How many times it was submitted.</summary>
    public int Submissions { get; } = submissions;

    /// <inheritdoc/>
    public override bool IsRetryable => true;
}
