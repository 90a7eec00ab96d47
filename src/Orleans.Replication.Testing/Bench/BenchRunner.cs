using Orleans.Replication.Client;
using Orleans.Replication.Testing.Baseline;
using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Testing.Bench;

/// <summary>
/// The load generator of the replicated store: many concurrent callers writing and reading a group (or the plain-grain
/// baseline), run by <see cref="BenchLoop"/>.
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

        var readsPerNode = new long[ReplicationLimits.MaxNodeCount];

        Func<CancellationToken, Task<BenchLoop.Outcome>> Caller(int caller, Random random)
        {
            var process = recorder?.NewProcess() ?? 0;
            var writeOptions = new WriteOptions { Concern = options.Concern, Durability = options.Durability };
            var readOptions = new ReadOptions { Consistency = options.Consistency };

            // Session reads need a session: each caller is one, as each user of a web application would be. A recorded
            // caller writes through its session too, so that its reads are bound to see its own writes.
            IReplicatedOperations? reader =
                options.Consistency.Kind == ReadConsistencyKind.Session ? group?.OpenSession() : group;
            return async ct =>
            {
                var key = keys[random.Next(keys.Length)];
                var write = options.WriteRatio >= 1 || random.NextDouble() < options.WriteRatio;
                if (recorder is not null)
                {
                    (process, var result) = await recorder.RunAsync(
                        reader!,
                        process,
                        key,
                        write,
                        writeOptions,
                        readOptions,
                        ct
                    );
                    return result switch
                    {
                        BenchHistory.Result.Ok => BenchLoop.Outcome.Ok,
                        BenchHistory.Result.Unknown => BenchLoop.Outcome.Unknown,
                        _ => BenchLoop.Outcome.Error,
                    };
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
                        await group.PutAsync(key, value, writeOptions, ct);
                    }
                    else
                    {
                        var read = await reader!.GetAsync(key, readOptions, ct);
                        Interlocked.Increment(ref readsPerNode[read.NodeIndex]);
                    }

                    return BenchLoop.Outcome.Ok;
                }
                catch (WriteOutcomeUnknownException)
                {
                    return BenchLoop.Outcome.Unknown;
                }
                catch (Exception e) when (e is ReplicationException or OrleansException or TimeoutException)
                {
                    return BenchLoop.Outcome.Error;
                }
            };
        }

        var label = options.Raw
            ? "raw (plain grain, no replication)"
            : $"group '{options.Group}', concern {options.Concern}";
        var report = await BenchLoop.RunAsync(options, label, Caller, progress, cancellationToken);
        return report with
        {
            ReadsPerNode = Enumerable
                .Range(0, readsPerNode.Length)
                .Where(i => readsPerNode[i] > 0)
                .ToDictionary(i => i, i => readsPerNode[i]),
        };
    }
}
