using System.Diagnostics;
using System.Globalization;
using Orleans.Replication.Client;
using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Testing.Bench;

/// <summary>
/// Runs the load generator's operations while recording them as a history the linearizability checker reads.
/// </summary>
/// <remarks>
/// Thread-safe: callers run operations concurrently. Each caller is a process that runs one operation at a time; after
/// an operation of unknown outcome it continues under a new process number, as Jepsen does. Every write carries a
/// value no other write has (process and sequence number, padded to the value size), and the keys carry a prefix new
/// to each run, so a read's value names the one write that wrote it. Times are nanoseconds since the run began.
/// </remarks>
internal sealed class BenchHistory(HistoryWriter writer, BenchOptions options)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private int _lastProcess = -1;
    private long _lastValue;

    /// <summary>How an operation ended.</summary>
    public enum Result
    {
        /// <summary>Acknowledged (a write) or answered (a read).</summary>
        Ok,

        /// <summary>A read that failed: it had no effect.</summary>
        Failed,

        /// <summary>A write whose outcome is unknown: it may or may not have taken effect.</summary>
        Unknown,
    }

    /// <summary>The run's keys, new to this run.</summary>
    public string[] Keys { get; } = CreateKeys(options.Keys);

    /// <summary>A process number never used before in this run.</summary>
    public int NewProcess() => Interlocked.Increment(ref _lastProcess);

    /// <summary>
    /// Runs one operation as <paramref name="process"/> through <paramref name="operations"/> (the group, or the
    /// caller's session when reads are <c>Session</c> reads, which only a session may make); returns the process to
    /// continue as, and how it ended.
    /// </summary>
    public async Task<(int Process, Result Result)> RunAsync(
        IReplicatedOperations operations,
        int process,
        string key,
        bool write,
        WriteOptions writeOptions,
        ReadOptions readOptions,
        CancellationToken cancellationToken
    )
    {
        if (write)
        {
            var value = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{process}-{Interlocked.Increment(ref _lastValue)}"
                )
                .PadRight(options.ValueSize, '.');
            var operation = new HistoryOperation(
                process,
                OperationKind.Write,
                key,
                value,
                null,
                Now,
                null,
                OperationOutcome.Unknown
            );
            writer.WriteInvoke(operation);
            try
            {
                await operations.PutAsync(key, value, writeOptions, cancellationToken);
                writer.WriteCompletion(operation with { CompleteTime = Now, Outcome = OperationOutcome.Ok });
                return (process, Result.Ok);
            }
            catch (Exception e)
                when (e is ReplicationException or OrleansException or TimeoutException or OperationCanceledException)
            {
                // A write that failed may still have been applied (a retry's first attempt, a lost reply): unknown.
                writer.WriteCompletion(operation with { CompleteTime = Now, Outcome = OperationOutcome.Unknown });
                return (NewProcess(), e is WriteOutcomeUnknownException ? Result.Unknown : Result.Failed);
            }
        }

        var read = new HistoryOperation(
            process,
            OperationKind.Read,
            key,
            null,
            null,
            Now,
            null,
            OperationOutcome.Unknown
        );
        writer.WriteInvoke(read);
        try
        {
            var result = await operations.GetAsync(key, readOptions, cancellationToken);
            writer.WriteCompletion(
                read with
                {
                    Value = result.Found ? result.ValueAsString : null,
                    CompleteTime = Now,
                    Outcome = OperationOutcome.Ok,
                }
            );
            return (process, Result.Ok);
        }
        catch (Exception e)
            when (e is ReplicationException or OrleansException or TimeoutException or OperationCanceledException)
        {
            writer.WriteCompletion(read with { CompleteTime = Now, Outcome = OperationOutcome.Fail });
            return (process, Result.Failed);
        }
    }

    private long Now => (long)(Stopwatch.GetElapsedTime(_start).Ticks * (1_000_000_000.0 / TimeSpan.TicksPerSecond));

    private static string[] CreateKeys(int count)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        return Enumerable
            .Range(0, count)
            .Select(i => string.Create(CultureInfo.InvariantCulture, $"h{run}-k{i}"))
            .ToArray();
    }
}
