namespace Orleans.Replication.Work;

/// <summary>Where a task is in its life.</summary>
public enum WorkTaskState : byte
{
    /// <summary>
    /// The controller does not know the id: never submitted, already fetched, expired, or lost with the controller's
    /// silo.
    /// </summary>
    NotFound = 0,

    /// <summary>Waiting in the pool's queue.</summary>
    Queued = 1,

    /// <summary>Handed to a responder.</summary>
    Running = 2,

    /// <summary>The handler returned a result.</summary>
    Succeeded = 3,

    /// <summary>
    /// The handler threw, no responder could run it, or no handler has its name. See <see cref="TaskResult.Error"/>.
    /// </summary>
    Failed = 4,

    /// <summary>The handler did not finish within the task's timeout.</summary>
    TimedOut = 5,
}

/// <summary>Helpers on <see cref="WorkTaskState"/>.</summary>
public static class WorkTaskStates
{
    /// <summary>Whether the task has finished (succeeded, failed or timed out).</summary>
    public static bool IsFinished(this WorkTaskState state) =>
        state is WorkTaskState.Succeeded or WorkTaskState.Failed or WorkTaskState.TimedOut;
}
