namespace Orleans.Replication.Work;

/// <summary>
/// The controller of one work pool, keyed by the pool name: takes tasks, hands them to responders, keeps results.
/// </summary>
/// <remarks>
/// Tasks wait in a bounded queue (a full queue refuses new ones) and are dispatched to the responders of the pool
/// (one per active silo) with the pool's load-balancing strategy; no call waits for a task to run. A task whose
/// responder's silo leaves the cluster is run again elsewhere; a task id is run at most once at a time, and a
/// duplicate submission returns the existing task. Results are kept until fetched or until they expire. The
/// controller keeps its tasks in memory: if its own silo dies, unfinished tasks and unfetched results are lost
/// and <see cref="GetResultAsync"/> reports <see cref="WorkTaskState.NotFound"/>, so a caller can submit again.
/// Bad input (names, sizes, timeouts) throws <see cref="ArgumentException"/>; a full queue throws
/// <see cref="InvalidOperationException"/>; neither changes anything.
/// </remarks>
[Alias("orepl.ITaskControllerGrain")]
public interface ITaskControllerGrain : IGrainWithStringKey
{
    /// <summary>Queues a task for the handler named <paramref name="submission"/>.Handler.</summary>
    /// <returns>The task's state; <see cref="SubmitReceipt.Duplicate"/> when the id was already known (nothing new is
    /// queued).</returns>
    [Alias("Submit")]
    Task<SubmitReceipt> SubmitAsync(TaskSubmission submission);

    /// <summary>
    /// The task's result, waiting up to <paramref name="wait"/> (at most <see cref="WorkLimits.MaxResultWait"/>) for it
    /// to finish. A finished task's result is handed out once: it is forgotten when returned.
    /// </summary>
    [Alias("GetResult")]
    Task<TaskResult> GetResultAsync(string taskId, TimeSpan wait);

    /// <summary>Counts of queued, running, done and failed tasks and each responder's health and load.</summary>
    [Alias("GetStatus")]
    Task<PoolStatus> GetStatusAsync();

    /// <summary>
    /// The handlers, mappers and reducers registered on the controller's silo, and the pool's limits.
    /// </summary>
    [Alias("GetCatalog")]
    Task<WorkCatalog> GetCatalogAsync();

    /// <summary>A responder reports the outcome of one attempt (from responders only).</summary>
    [Alias("Complete")]
    Task CompleteAsync(AttemptOutcome outcome);
}
