using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Orleans.Replication.Work;

namespace Orleans.Replication.Client;

/// <summary>
/// One MapReduce job, driven from the client: chunks go out as map tasks, results come back and are reduced.
/// </summary>
/// <remarks>
/// At most <see cref="MapReduceJob.MaxChunksInFlight"/> chunks are out at once, so the client's memory is bounded
/// however large the input. The map outputs of each responder are combined by a reduce task as soon as
/// <see cref="MapReduceJob.CombineEvery"/> of them are in; the combined outputs are reduced into one at the end, in
/// batches that fit the payload limit. A task whose responder's silo dies is run again by the controller; a task the
/// controller lost is submitted again from here (the chunk is kept until its map output arrives). The first failed
/// task stops the job.
/// </remarks>
internal sealed class MapReduceRun(WorkPool pool, MapReduceJob job, IProgress<MapReduceProgress>? progress)
{
    private readonly object _lock = new();
    private readonly Dictionary<int, List<byte[]>> _byResponder = [];
    private readonly Dictionary<int, int> _chunksByResponder = [];
    private readonly List<byte[]> _combined = [];
    private readonly List<Task> _combines = [];
    private readonly string _jobId = job.Id ?? "mr-" + Guid.NewGuid().ToString("N");
    private CancellationTokenSource? _cts;
    private ExceptionDispatchInfo? _failure;
    private int _maxPayload;
    private long _bytes;
    private int _submitted;
    private int _mapped;
    private int _reductions;
    private int _retries;
    private int _reduceSequence;
    private string _phase = "map";

    public async Task<MapReduceResult> RunAsync(
        Func<int, IAsyncEnumerable<ReadOnlyMemory<byte>>> input,
        CancellationToken cancellationToken
    )
    {
        var watch = Stopwatch.StartNew();
        var catalog = await pool.GetCatalogAsync(cancellationToken);
        if (!catalog.Mappers.Contains(job.Mapper))
        {
            throw new ArgumentException(
                $"No mapper named '{job.Mapper}' is registered on the silos; registered: " +
                $"{string.Join(", ", catalog.Mappers)}.",
                nameof(job)
            );
        }

        if (!catalog.Reducers.Contains(job.Reducer))
        {
            throw new ArgumentException(
                $"No reducer named '{job.Reducer}' is registered on the silos; registered: " +
                $"{string.Join(", ", catalog.Reducers)}.",
                nameof(job)
            );
        }

        _maxPayload = catalog.MaxPayloadBytes;
        var maxChunk = catalog.MaxPayloadBytes - MapReducePayloads.MapOverheadBytes;
        if (maxChunk < 1)
        {
            throw new ArgumentException(
                $"The pool's payload limit ({catalog.MaxPayloadBytes} bytes) leaves no room for a chunk.",
                nameof(job)
            );
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _cts = cts;
        cts.CancelAfter(job.Timeout);
        var inFlight = job.MaxChunksInFlight ?? Math.Clamp(catalog.Slots * 2, 2, 64);
        using var slots = new SemaphoreSlim(inFlight);
        var maps = new List<Task>();
        try
        {
            await foreach (var chunk in input(maxChunk).WithCancellation(cts.Token))
            {
                if (chunk.Length > maxChunk)
                {
                    throw new ArgumentException(
                        $"A chunk of {chunk.Length} bytes is over the pool's limit of {maxChunk} bytes per chunk.",
                        nameof(input)
                    );
                }

                if (chunk.IsEmpty)
                {
                    continue;
                }

                await slots.WaitAsync(cts.Token);
                var index = _submitted++;
                _bytes += chunk.Length;
                maps.Add(MapAsync(index, MapReducePayloads.EncodeMap(job.Mapper, chunk.Span), slots, cts.Token));
                Report();
            }

            await Task.WhenAll(maps);
            ThrowIfFailed();
            _phase = "combine";
            lock (_lock)
            {
                foreach (var group in _byResponder.Values.Where(g => g.Count > 0))
                {
                    StartCombine([.. group]);
                    group.Clear();
                }
            }

            // A combine may start another (folding combined outputs): wait until none is left running.
            for (var pending = Snapshot(); ;)
            {
                await Task.WhenAll(pending);
                var now = Snapshot();
                if (now.Length == pending.Length)
                {
                    break;
                }

                pending = now;
            }

            ThrowIfFailed();
            _phase = "reduce";
            Report();
            var output = _combined.Count == 0 ? null : await ReduceAsync(_combined, cts.Token);
            ThrowIfFailed();
            _phase = "done";
            Report();
            return new MapReduceResult(
                output,
                _bytes,
                _submitted,
                _reductions,
                _retries,
                watch.Elapsed,
                new Dictionary<int, int>(_chunksByResponder)
            );
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _failure?.Throw();
            throw new WorkTimeoutException(
                pool.Name,
                job.Timeout,
                $"MapReduce job {_jobId} did not finish within {job.Timeout.TotalSeconds:0.#} s ({_mapped} of " +
                $"{_submitted} chunks mapped)."
            );
        }
        catch (Exception) when (_failure is not null)
        {
            _failure.Throw();
            throw;
        }
        finally
        {
            // Stops whatever is still out after a failure (nothing is, after success).
            cts.Cancel();
        }
    }

    private async Task MapAsync(int index, byte[] payload, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            var result = await RunTaskAsync(
                $"{_jobId}/m{index}",
                MapReducePayloads.MapHandler,
                payload,
                cancellationToken
            );
            lock (_lock)
            {
                _mapped++;
                _chunksByResponder[result.ResponderId] = _chunksByResponder.GetValueOrDefault(result.ResponderId) + 1;
                if (!_byResponder.TryGetValue(result.ResponderId, out var group))
                {
                    _byResponder[result.ResponderId] = group = [];
                }

                group.Add(result.Output!);
                if (group.Count >= job.CombineEvery || group.Sum(p => (long)p.Length) > _maxPayload / 2)
                {
                    StartCombine([.. group]);
                    group.Clear();
                }
            }

            Report();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Fail(e);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Combines the outputs of one responder; called under the lock.</summary>
    private void StartCombine(List<byte[]> outputs) => _combines.Add(CombineAsync(outputs));

    private async Task CombineAsync(List<byte[]> outputs)
    {
        try
        {
            var combined = await ReduceAsync(outputs, _cts!.Token);
            lock (_lock)
            {
                _combined.Add(combined);

                // Combined outputs are folded as they pile up, so that the client holds a bounded number however long
                // the input.
                if (_combined.Count >= job.CombineEvery)
                {
                    StartCombine([.. _combined]);
                    _combined.Clear();
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Fail(e);
        }
    }

    private Task[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _combines];
        }
    }

    /// <summary>
    /// Reduces <paramref name="partials"/> into one, in rounds of reduce tasks whose payloads fit the limit.
    /// </summary>
    private async Task<byte[]> ReduceAsync(IReadOnlyList<byte[]> partials, CancellationToken cancellationToken)
    {
        var current = partials.ToList();
        while (current.Count > 1)
        {
            var batches = new List<List<byte[]>>();
            var batch = new List<byte[]>();
            var empty = MapReducePayloads.ReduceSize(job.Reducer, []);
            var size = empty;
            foreach (var p in current)
            {
                var alone = MapReducePayloads.ReduceSize(job.Reducer, [p]);
                var grown = size + alone - empty;
                if (batch.Count > 0 && grown > _maxPayload)
                {
                    batches.Add(batch);
                    batch = [];
                    grown = alone;
                }

                batch.Add(p);
                size = grown;
            }

            batches.Add(batch);
            if (batches.All(b => b.Count == 1))
            {
                throw new InvalidOperationException(
                    $"Partial outputs of job {_jobId} are too large to reduce together within the pool's payload " +
                    $"limit of {_maxPayload} bytes."
                );
            }

            current =
            [
                .. await Task.WhenAll(
                    batches.Select(b => b.Count == 1 ? Task.FromResult(b[0]) : ReduceTaskAsync(b, cancellationToken))
                ),
            ];
        }

        return current[0];
    }

    private async Task<byte[]> ReduceTaskAsync(List<byte[]> batch, CancellationToken cancellationToken)
    {
        var id = $"{_jobId}/r{Interlocked.Increment(ref _reduceSequence)}";
        var result = await RunTaskAsync(
            id,
            MapReducePayloads.ReduceHandler,
            MapReducePayloads.EncodeReduce(job.Reducer, batch),
            cancellationToken
        );
        Interlocked.Increment(ref _reductions);
        Report();
        return result.Output!;
    }

    private async Task<TaskResult> RunTaskAsync(
        string taskId,
        string handler,
        byte[] payload,
        CancellationToken cancellationToken
    )
    {
        var result = await pool.RunAsync(
            new TaskSubmission(taskId, handler, payload, job.TaskTimeout, job.Strategy),
            _ => Interlocked.Increment(ref _retries),
            cancellationToken);
        if (result.State != WorkTaskState.Succeeded)
        {
            throw new InvalidOperationException(
                $"Task {taskId} of MapReduce job {_jobId} {result.State.ToString().ToLowerInvariant()} after " +
                $"{result.Attempts} attempt(s): {result.Error}"
            );
        }

        if (result.Attempts > 1)
        {
            Interlocked.Add(ref _retries, result.Attempts - 1);
        }

        return result;
    }

    /// <summary>
    /// A failed map or combine ends the job with its error: a result without its output would be wrong, not partial.
    /// </summary>
    private void ThrowIfFailed()
    {
        lock (_lock)
        {
            _failure?.Throw();
        }
    }

    private void Fail(Exception e)
    {
        lock (_lock)
        {
            _failure ??= ExceptionDispatchInfo.Capture(e);
        }

        _cts?.Cancel();
    }

    private void Report() =>
        progress?.Report(
            new MapReduceProgress(
                _phase,
                Interlocked.Read(ref _bytes),
                Volatile.Read(ref _submitted),
                Volatile.Read(ref _mapped),
                Volatile.Read(ref _reductions),
                Volatile.Read(ref _retries)
            )
        );
}
