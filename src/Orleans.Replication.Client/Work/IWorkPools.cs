using Orleans.Replication.LoadBalancing;
using Orleans.Replication.Work;

namespace Orleans.Replication.Client;

/// <summary>The client of work distribution: one per cluster client, thread-safe.</summary>
public interface IWorkPools
{
    /// <summary>The client of pool <paramref name="name"/> (created on first use).</summary>
    /// <exception cref="ArgumentException">The name is not a valid pool name.</exception>
    IWorkPool Pool(string name = WorkLimits.DefaultPool);
}

/// <summary>Tasks and MapReduce jobs of one pool.</summary>
/// <remarks>
/// Thread-safe. Every call has a deadline. Bad input (ids, names, sizes) throws <see cref="ArgumentException"/> and
/// queues nothing; a full queue throws <see cref="WorkQueueFullException"/>.
/// </remarks>
public interface IWorkPool
{
    /// <summary>The pool's name.</summary>
    string Name { get; }

    /// <summary>
    /// Queues a task; a known id returns the existing task (<see cref="SubmitReceipt.Duplicate"/>), which is never run
    /// twice at once.
    /// </summary>
    Task<SubmitReceipt> SubmitAsync(
        string taskId,
        string handler,
        byte[] payload,
        TaskOptions? options = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>
    /// The task's result, waiting up to <paramref name="wait"/> for it; a finished result is handed out once.
    /// </summary>
    Task<TaskResult> GetResultAsync(
        string taskId,
        TimeSpan wait = default,
        CancellationToken cancellationToken = default
    );

    /// <summary>Submits a task and waits for its result (at most <see cref="TaskOptions.Deadline"/>).</summary>
    /// <exception cref="WorkTimeoutException">It did not finish before the deadline (it may still run).</exception>
    /// <exception cref="WorkTaskLostException">The controller lost the task more often than it is submitted
    /// again.</exception>
    Task<TaskResult> RunAsync(
        string taskId,
        string handler,
        byte[] payload,
        TaskOptions? options = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>Queued, running, done and failed counts and each responder's health, load and response time.</summary>
    Task<PoolStatus> GetStatusAsync(CancellationToken cancellationToken = default);

    /// <summary>The handlers, mappers and reducers the silos offer, and the pool's limits.</summary>
    Task<WorkCatalog> GetCatalogAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs a MapReduce job over <paramref name="input"/>: each chunk is mapped on a responder, the outputs of
    /// each responder are combined, then reduced into one.</summary>
    /// <exception cref="ArgumentException">Unknown mapper or reducer, or a chunk over the payload limit; nothing was
    /// run.</exception>
    /// <exception cref="InvalidOperationException">A map or reduce task failed.</exception>
    /// <exception cref="WorkTimeoutException">The job did not finish within
    /// <see cref="MapReduceJob.Timeout"/>.</exception>
    Task<MapReduceResult> MapReduceAsync(
        MapReduceJob job,
        IAsyncEnumerable<ReadOnlyMemory<byte>> input,
        IProgress<MapReduceProgress>? progress = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>Counts the words of UTF-8 text files (lower-case, split on white space), streamed in chunks.</summary>
    /// <exception cref="ArgumentException">A file is missing or empty; nothing was run.</exception>
    Task<WordCountResult> WordCountAsync(
        IReadOnlyList<string> files,
        MapReduceJob? job = null,
        IProgress<MapReduceProgress>? progress = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>Runs a MapReduce job over the values of a replicated group: applied values in key order, each followed
    /// by a line feed, read from the primary in pages as the job goes.</summary>
    /// <exception cref="ArgumentException">The group holds no values, a value is over the chunk limit, or the mapper or
    /// reducer is unknown.</exception>
    Task<MapReduceResult> MapReduceAsync(
        MapReduceJob job,
        IReplicatedGroup group,
        IProgress<MapReduceProgress>? progress = null,
        CancellationToken cancellationToken = default
    );

    /// <summary>Counts the words of the values of a replicated group (each value UTF-8 text).</summary>
    /// <exception cref="ArgumentException">The group holds no values; nothing was run.</exception>
    Task<WordCountResult> WordCountAsync(
        IReplicatedGroup group,
        MapReduceJob? job = null,
        IProgress<MapReduceProgress>? progress = null,
        CancellationToken cancellationToken = default
    );
}

/// <summary>Per-task options.</summary>
public sealed record TaskOptions
{
    /// <summary>How long one attempt may run on a responder; null for the pool's default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How to pick the responder; null for the pool's strategy.</summary>
    public LoadBalancingStrategy? Strategy { get; init; }

    /// <summary>
    /// How long <see cref="IWorkPool.RunAsync"/> waits for the result in all (queueing, retries and running).
    /// </summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(1);
}
