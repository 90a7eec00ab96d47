using Orleans.Replication.Work;

namespace Orleans.Replication.Client;

/// <summary>One pool's client: calls its controller, each call under a deadline.</summary>
internal sealed class WorkPool(string name, ITaskControllerGrain controller, IGrainFactory grains, TimeProvider time)
    : IWorkPool
{
    /// <summary>The longest one result request waits on the controller before asking again.</summary>
    private static readonly TimeSpan PollWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TransientPause = TimeSpan.FromMilliseconds(100);

    /// <summary>Submissions of a task the controller lost (its silo died) before the caller gives up.</summary>
    private const int MaxResubmissions = 3;

    public string Name { get; } = name;

    public Task<SubmitReceipt> SubmitAsync(
        string taskId,
        string handler,
        byte[] payload,
        TaskOptions? options = null,
        CancellationToken cancellationToken = default
    )
    {
        var submission = Validate(taskId, handler, payload, options);
        return controller.SubmitAsync(submission).WaitAsync(CallTimeout, time, cancellationToken);
    }

    public Task<TaskResult> GetResultAsync(
        string taskId,
        TimeSpan wait = default,
        CancellationToken cancellationToken = default
    )
    {
        WorkLimits.ValidateTaskId(taskId);
        if (wait < TimeSpan.Zero)
        {
            throw new ArgumentException($"The wait must not be negative; it is {wait}.", nameof(wait));
        }

        var w = wait < WorkLimits.MaxResultWait ? wait : WorkLimits.MaxResultWait;
        return controller.GetResultAsync(taskId, w).WaitAsync(w + CallTimeout, time, cancellationToken);
    }

    public async Task<TaskResult> RunAsync(
        string taskId,
        string handler,
        byte[] payload,
        TaskOptions? options = null,
        CancellationToken cancellationToken = default
    )
    {
        var submission = Validate(taskId, handler, payload, options);
        var deadline = options?.Deadline ?? new TaskOptions().Deadline;
        if (deadline <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The deadline must be positive; it is {deadline}.", nameof(options));
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(deadline);
        try
        {
            return await RunAsync(submission, _ => { }, cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WorkTimeoutException(
                Name,
                deadline,
                $"Task '{taskId}' of pool '{Name}' did not finish within {deadline.TotalSeconds:0.#} s."
            );
        }
    }

    public Task<PoolStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        controller.GetStatusAsync().WaitAsync(CallTimeout, time, cancellationToken);

    public Task<WorkCatalog> GetCatalogAsync(CancellationToken cancellationToken = default) =>
        controller.GetCatalogAsync().WaitAsync(CallTimeout, time, cancellationToken);

    public Task<MapReduceResult> MapReduceAsync(
        MapReduceJob job,
        IAsyncEnumerable<ReadOnlyMemory<byte>> input,
        IProgress<MapReduceProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(input);
        job.Validate();
        return new MapReduceRun(this, job, progress).RunAsync(_ => input, cancellationToken);
    }

    public async Task<WordCountResult> WordCountAsync(
        IReadOnlyList<string> files,
        MapReduceJob? job = null,
        IProgress<MapReduceProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        FileChunks.Validate(files);
        job ??= new MapReduceJob();
        job.Validate();
        var run = new MapReduceRun(this, job, progress);
        var result = await run.RunAsync(
            maxChunk => FileChunks.ReadAsync(files, Math.Min(job.ChunkBytes, maxChunk), maxChunk, cancellationToken),
            cancellationToken
        );
        return new WordCountResult(ToCounts(result), result);
    }

    public async Task<MapReduceResult> MapReduceAsync(
        MapReduceJob job,
        IReplicatedGroup group,
        IProgress<MapReduceProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(group);
        job.Validate();
        await GroupChunks.ValidateAsync(grains, group, cancellationToken);
        return await new MapReduceRun(this, job, progress).RunAsync(
            maxChunk =>
                GroupChunks.ReadAsync(
                    grains,
                    group,
                    Math.Min(job.ChunkBytes, maxChunk),
                    maxChunk,
                    cancellationToken: cancellationToken
                ),
            cancellationToken
        );
    }

    public async Task<WordCountResult> WordCountAsync(
        IReplicatedGroup group,
        MapReduceJob? job = null,
        IProgress<MapReduceProgress>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        var result = await MapReduceAsync(job ?? new MapReduceJob(), group, progress, cancellationToken);
        return new WordCountResult(ToCounts(result), result);
    }

    private static Dictionary<string, long> ToCounts(MapReduceResult result)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (result.Output is not null)
        {
            WordCounting.MergeInto(result.Output, counts);
        }

        return counts;
    }

    /// <summary>
    /// Submits and waits until the task finishes; submits again (same id) when the controller lost it. Cancelled by
    /// <paramref name="cancellationToken"/> only.
    /// </summary>
    internal async Task<TaskResult> RunAsync(
        TaskSubmission submission,
        Action<string> onRetry,
        CancellationToken cancellationToken
    )
    {
        for (var submissions = 1; ; submissions++)
        {
            await SubmitWithBackPressureAsync(submission, cancellationToken);
            while (true)
            {
                TaskResult result;
                try
                {
                    result = await controller
                        .GetResultAsync(submission.TaskId, PollWait)
                        .WaitAsync(PollWait + CallTimeout, time, cancellationToken);
                }
                catch (Exception e) when (IsTransient(e, cancellationToken))
                {
                    // A gateway or the controller's silo going away: ask again (within the caller's deadline).
                    await Task.Delay(TransientPause, time, cancellationToken);
                    continue;
                }

                if (result.State.IsFinished())
                {
                    return result;
                }

                if (result.State == WorkTaskState.NotFound)
                {
                    break;
                }
            }

            if (submissions > MaxResubmissions)
            {
                throw new WorkTaskLostException(
                    Name,
                    submission.TaskId,
                    submissions,
                    $"Task '{submission.TaskId}' of pool '{Name}' was lost {submissions} times (the controller's " +
                    "silo left the cluster)."
                );
            }

            onRetry($"task {submission.TaskId} was lost by the controller");
        }
    }

    private async Task SubmitWithBackPressureAsync(TaskSubmission submission, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                await controller.SubmitAsync(submission).WaitAsync(CallTimeout, time, cancellationToken);
                return;
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                // Submitting again is safe: a known id is not queued twice.
                await Task.Delay(TransientPause, time, cancellationToken);
            }
            catch (WorkQueueFullException)
            {
                // Back-pressure: wait for the queue to drain, within the caller's deadline.
                await Task.Delay(pause, time, cancellationToken);
                pause = TimeSpan.FromMilliseconds(Math.Min(500, pause.TotalMilliseconds * 2));
            }
        }
    }

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is OrleansException or TimeoutException;

    private static TaskSubmission Validate(string taskId, string handler, byte[] payload, TaskOptions? options)
    {
        WorkLimits.ValidateTaskId(taskId);
        WorkLimits.ValidateName(handler, "task handler", nameof(handler));
        ArgumentNullException.ThrowIfNull(payload);
        if (options?.Timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentException($"A task's timeout must be positive; it is {t}.", nameof(options));
        }

        return new TaskSubmission(taskId, handler, payload, options?.Timeout, options?.Strategy);
    }
}
