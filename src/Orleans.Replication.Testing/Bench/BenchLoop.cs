using System.Diagnostics;
using HdrHistogram;

namespace Orleans.Replication.Testing.Bench;

/// <summary>
/// The closed loop of the load generator, for any asynchronous operation: <see cref="BenchOptions.Clients"/> callers,
/// each starting its next operation when the last one ends, for <see cref="BenchOptions.Duration"/> (or until
/// <see cref="BenchOptions.Operations"/> have been issued), latency recorded in an HDR histogram per caller and merged
/// at the end.
/// </summary>
/// <remarks>
/// It runs no warm-up of its own: <see cref="BenchRunner"/> and other drivers run the loop once unmeasured first.
/// </remarks>
public static class BenchLoop
{
    /// <summary>How one operation ended.</summary>
    public enum Outcome
    {
        /// <summary>It succeeded: its latency is recorded.</summary>
        Ok,

        /// <summary>It failed.</summary>
        Error,

        /// <summary>A write whose outcome is unknown.</summary>
        Unknown,
    }

    /// <summary>
    /// Runs the loop: <paramref name="createCaller"/> makes each caller's operation from the caller's number and a
    /// random generator of its own (seeded from <see cref="BenchOptions.Seed"/>); <paramref name="progress"/> gets
    /// (completed operations, elapsed) about once a second. The report is labelled <paramref name="label"/>.
    /// </summary>
    public static async Task<BenchReport> RunAsync(
        BenchOptions options,
        string label,
        Func<int, Random, Func<CancellationToken, Task<Outcome>>> createCaller,
        Action<long, TimeSpan>? progress = null,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(createCaller);
        long completed = 0, errors = 0, unknown = 0, issued = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
        var histograms = new LongHistogram[options.Clients];
        var started = Stopwatch.GetTimestamp();

        async Task CallerAsync(int caller)
        {
            var histogram = histograms[caller] = new LongHistogram(TimeStamp.Minutes(1), 3);
            var operation = createCaller(caller, new Random(options.Seed + caller + 1));
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

                var t0 = Stopwatch.GetTimestamp();
                switch (await operation(cancellationToken))
                {
                    case Outcome.Ok:
                        histogram.RecordValue(Stopwatch.GetTimestamp() - t0);
                        Interlocked.Increment(ref completed);
                        break;
                    case Outcome.Unknown:
                        Interlocked.Increment(ref unknown);
                        break;
                    default:
                        Interlocked.Increment(ref errors);
                        break;
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
        return new BenchReport(
            label,
            completed,
            errors,
            unknown,
            elapsed,
            Ms(merged.GetValueAtPercentile(50)),
            Ms(merged.GetValueAtPercentile(99)),
            Ms(merged.GetValueAtPercentile(99.9)),
            Ms(merged.GetMaxValue())
        );
    }
}
