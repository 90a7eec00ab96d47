using System.Diagnostics;
using HdrHistogram;
using Orleans.Replication.Client;
using Orleans.Replication.Testing.Baseline;
using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Testing.Bench;

/// <summary>
/// The load generator: many concurrent callers, latency recorded in an HDR histogram per caller and merged at the end.
/// </summary>
public sealed class BenchRunner(IReplicatedStore store, IGrainFactory grains)
{
    /// <summary>
    /// Runs <paramref name="options"/>; <paramref name="progress"/> gets (completed operations, elapsed) about once a
    /// second.
    /// </summary>
    public Task<BenchReport> RunAsync(
        BenchOptions options,
        Action<long, TimeSpan>? progress = null,
        CancellationToken cancellationToken = default
    ) => RunAsync(options, progress, null, cancellationToken);

    /// <summary>
    /// Runs <paramref name="options"/>, recording every replicated operation, warm-up included, in
    /// <paramref name="history"/> when it is given (not with <see cref="BenchOptions.Raw"/>).
    /// </summary>
    /// <remarks>
    /// With a history every write carries a value unique to it, and the keys are new to this run, so that the history
    /// holds every operation on them: the linearizability checker then starts from absent registers.
    /// </remarks>
    public async Task<BenchReport> RunAsync(
        BenchOptions options,
        Action<long, TimeSpan>? progress,
        HistoryWriter? history,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var recorder = history is null || options.Raw ? null : new BenchHistory(history, options);
        var keys = recorder?.Keys
            ?? Enumerable
                .Range(0, options.Keys)
                .Select(i => "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .ToArray();
        return await RunAsync(options, keys, recorder, progress, cancellationToken);
    }

    private async Task<BenchReport> RunAsync(
        BenchOptions options,
        string[] keys,
        BenchHistory? recorder,
        Action<long, TimeSpan>? progress,
        CancellationToken cancellationToken
    )
    {
        var group = options.Raw ? null : store.Group(options.Group);
        var baseline = grains.GetGrain<IBaselineStoreGrain>(options.Group);
        var value = new byte[options.ValueSize];
        new Random(options.Seed).NextBytes(value);

        // Warm up outside the measurement: create the group, activate the grains, let the JIT settle.
        if (options.Warmup > TimeSpan.Zero)
        {
            await RunAsync(
                options with
                {
                    Warmup = TimeSpan.Zero,
                    Duration = options.Warmup,
                    Operations = null,
                },
                keys,
                recorder,
                null,
                cancellationToken
            );
        }

        // With a history, every operation on the run's keys is recorded; the warm-up (or the first operation) creates
        // the group.
        if (recorder is null && group is not null)
        {
            await group.PutAsync(
                keys[0],
                value,
                new WriteOptions { Concern = options.Concern, Durability = options.Durability },
                cancellationToken
            );
        }
        else if (recorder is null)
        {
            await baseline.PutAsync(keys[0], value);
        }

        long completed = 0, errors = 0, unknown = 0, issued = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var histograms = new LongHistogram[options.Clients];
        var readsPerNode = new long[ReplicationLimits.MaxNodeCount];
        var started = Stopwatch.GetTimestamp();

        async Task CallerAsync(int caller)
        {
            var histogram = histograms[caller] = new LongHistogram(TimeStamp.Minutes(1), 3);
            var process = recorder?.NewProcess() ?? 0;
            var random = new Random(options.Seed + caller + 1);
            var writeOptions = new WriteOptions { Concern = options.Concern, Durability = options.Durability };
            var readOptions = new ReadOptions { Consistency = options.Consistency };

            // Session reads need a session: each caller is one, as each user of a web application would be. A recorded
            // caller writes through its session too, so that its reads are bound to see its own writes.
            IReplicatedOperations? reader =
                options.Consistency.Kind == ReadConsistencyKind.Session ? group?.OpenSession() : group;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (
                    options.Operations is { } total
                        ? Interlocked.Increment(ref issued) > total
                        : Stopwatch.GetTimestamp() >= stopAt
                )
                {
                    return;
                }

                var key = keys[random.Next(keys.Length)];
                var write = options.WriteRatio >= 1 || random.NextDouble() < options.WriteRatio;
                var t0 = Stopwatch.GetTimestamp();
                if (recorder is not null)
                {
                    (process, var result) = await recorder.RunAsync(
                        reader!,
                        process,
                        key,
                        write,
                        writeOptions,
                        readOptions,
                        cancellationToken
                    );
                    if (result == BenchHistory.Result.Ok)
                    {
                        histogram.RecordValue(Stopwatch.GetTimestamp() - t0);
                        Interlocked.Increment(ref completed);
                    }
                    else
                    {
                        Interlocked.Increment(ref result == BenchHistory.Result.Unknown ? ref unknown : ref errors);
                    }

                    continue;
                }

                try
                {
                    if (group is null && write)
                    {
                        await baseline.PutAsync(key, value);
                    }
                    else if (group is null)
                    {
                        await baseline.GetAsync(key);
                    }
                    else if (write)
                    {
                        await group.PutAsync(key, value, writeOptions, cancellationToken);
                    }
                    else
                    {
                        var read = await reader!.GetAsync(key, readOptions, cancellationToken);
                        Interlocked.Increment(ref readsPerNode[read.NodeIndex]);
                    }

                    histogram.RecordValue(Stopwatch.GetTimestamp() - t0);
                    Interlocked.Increment(ref completed);
                }
                catch (WriteOutcomeUnknownException)
                {
                    Interlocked.Increment(ref unknown);
                }
                catch (Exception e) when (e is ReplicationException or OrleansException or TimeoutException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }

        var callers = Task.WhenAll(
            Enumerable.Range(0, options.Clients).Select(c => Task.Run(() => CallerAsync(c), cancellationToken))
        );
        while (await Task.WhenAny(callers, Task.Delay(1000, cancellationToken)) != callers)
        {
            progress?.Invoke(Interlocked.Read(ref completed), Stopwatch.GetElapsedTime(started));
        }

        await callers;
        var elapsed = Stopwatch.GetElapsedTime(started);
        var merged = new LongHistogram(TimeStamp.Minutes(1), 3);
        foreach (var h in histograms)
        {
            if (h is not null)
            {
                merged.Add(h);
            }
        }

        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        var label = options.Raw
            ? "raw (plain grain, no replication)"
            : $"group '{options.Group}', concern {options.Concern}";
        return new BenchReport(
            label,
            completed,
            errors,
            unknown,
            elapsed,
            Ms(merged.GetValueAtPercentile(50)),
            Ms(merged.GetValueAtPercentile(99)),
            Ms(merged.GetValueAtPercentile(99.9)),
            Ms(merged.GetMaxValue()),
            Enumerable
                .Range(0, readsPerNode.Length)
                .Where(i => readsPerNode[i] > 0)
                .ToDictionary(i => i, i => readsPerNode[i])
        );
    }
}
