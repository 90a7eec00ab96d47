using System.Collections.Concurrent;
using System.Diagnostics;
using Orleans.Replication.Client;
using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>A concurrent workload that records a history: Majority writes of unique values and Strong reads on a few
/// shared keys, one-off writes of unique keys, and session readers that check monotonic reads.</summary>
internal sealed class Workload
{
    private readonly IReplicatedGroup _group;
    private readonly string[] _keys;
    private readonly ConcurrentQueue<HistoryOperation> _history = new();
    private readonly ConcurrentDictionary<string, string> _ackedUnique = new();
    private readonly ConcurrentDictionary<long, long> _firstAckByEpoch = new();
    private readonly ConcurrentQueue<string> _sessionViolations = new();
    private readonly ConcurrentQueue<(long Epoch, long CompleteTicks)> _acks = new();
    private readonly ConcurrentQueue<(long InvokedTicks, long FailedTicks, string Error)> _writeFailures = new();
    private readonly CancellationTokenSource _stop = new();
    private long _lastAckTicks;
    private Task? _running;

    public Workload(IReplicatedGroup group, int keys) =>
        (_group, _keys) = (group, Enumerable.Range(0, keys).Select(i => $"k{i}").ToArray());

    public IReadOnlyCollection<HistoryOperation> History => _history;

    public IReadOnlyDictionary<string, string> AckedUniqueWrites => _ackedUnique;

    public IReadOnlyCollection<string> SessionViolations => _sessionViolations;

    /// <summary>Every acknowledged write: the epoch that acknowledged it and when the client saw it.</summary>
    public IReadOnlyCollection<(long Epoch, long CompleteTicks)> Acks => _acks;

    /// <summary>
    /// Every write that failed or whose outcome is unknown: when it was invoked, when it ended, and why.
    /// </summary>
    public IReadOnlyCollection<(long InvokedTicks, long FailedTicks, string Error)> WriteFailures => _writeFailures;

    public static long Now => Stopwatch.GetTimestamp();

    public void Start(int writers, int readers, int sessions)
    {
        var tasks = new List<Task>();
        for (var w = 0; w < writers; w++)
        {
            var process = w;
            tasks.Add(Task.Run(() => WriterAsync(process)));
        }

        for (var r = 0; r < readers; r++)
        {
            var process = writers + r;
            tasks.Add(Task.Run(() => ReaderAsync(process)));
        }

        for (var s = 0; s < sessions; s++)
        {
            var id = s;
            tasks.Add(Task.Run(() => SessionAsync(id)));
        }

        _running = Task.WhenAll(tasks);
    }

    public async Task StopAsync()
    {
        _stop.Cancel();
        await _running!;
    }

    /// <summary>
    /// When the first write acknowledged in an epoch above <paramref name="epoch"/> completed, waiting up to
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<long> FirstAckAboveAsync(long epoch, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var first = _firstAckByEpoch
                .Where(p => p.Key > epoch)
                .Select(p => p.Value)
                .DefaultIfEmpty(long.MaxValue)
                .Min();
            if (first != long.MaxValue)
            {
                return first;
            }

            await Task.Delay(5);
        }

        throw new TimeoutException($"No write was acknowledged in an epoch above {epoch} within {timeout}.");
    }

    /// <summary>
    /// When the first write acknowledged after <paramref name="ticks"/> completed, waiting up to
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<long> FirstAckAfterAsync(long ticks, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (Interlocked.Read(ref _lastAckTicks) <= ticks)
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"No write was acknowledged within {timeout} after the moment waited from.");
            }

            await Task.Delay(5);
        }

        return _acks.Where(a => a.CompleteTicks > ticks).Min(a => a.CompleteTicks);
    }

    /// <summary>
    /// The longest time without an acknowledged write between the timestamps <paramref name="from"/> and
    /// <paramref name="to"/>: between consecutive acknowledgements, and from each end of the window to the nearest one
    /// (the whole window when nothing was acknowledged in it); and the timestamp at which that gap began.
    /// </summary>
    public (TimeSpan Length, long Start) LongestAckGap(long from, long to)
    {
        var previous = from;
        var longest = (Ticks: 0L, Start: from);
        foreach (var done in _acks.Select(a => a.CompleteTicks).Where(t => t > from && t < to).Order().Append(to))
        {
            if (done - previous > longest.Ticks)
            {
                longest = (done - previous, previous);
            }

            previous = done;
        }

        return (Stopwatch.GetElapsedTime(0, longest.Ticks), longest.Start);
    }

    private async Task WriterAsync(int process)
    {
        var options = new WriteOptions { Timeout = TimeSpan.FromSeconds(5) };
        for (var seq = 0; !_stop.IsCancellationRequested; seq++)
        {
            var unique = seq % 2 == 1;
            var key = unique ? $"u-{process}-{seq}" : _keys[(process + seq) % _keys.Length];
            var value = $"p{process}-{seq}";
            var invoked = Now;
            try
            {
                var result = await _group.PutAsync(key, value, options);
                var done = Now;
                Record(process, OperationKind.Write, key, value, invoked, done, OperationOutcome.Ok, unique);
                _firstAckByEpoch.TryAdd(result.Epoch, done);
                _acks.Enqueue((result.Epoch, done));
                InterlockedMax(ref _lastAckTicks, done);
                if (unique)
                {
                    _ackedUnique[key] = value;
                }
            }
            catch (Exception e) when (e is NoPrimaryException or ArgumentException)
            {
                // Nothing was written.
                Record(process, OperationKind.Write, key, value, invoked, Now, OperationOutcome.Fail, unique);
                _writeFailures.Enqueue((invoked, Now, $"{e.GetType().Name}: {e.Message}"));
                await Task.Delay(20);
            }
            catch (Exception e) when (e is ReplicationException or OrleansException or TimeoutException)
            {
                Record(process, OperationKind.Write, key, value, invoked, null, OperationOutcome.Unknown, unique);
                _writeFailures.Enqueue((invoked, Now, $"{e.GetType().Name}: {e.Message}"));

                // A process whose operation's outcome is unknown is done (Jepsen): continue as a new process.
                process += 1000;
            }
        }
    }

    private async Task ReaderAsync(int process)
    {
        var options = new ReadOptions { Consistency = ReadConsistency.Strong, Timeout = TimeSpan.FromSeconds(5) };
        for (var seq = 0; !_stop.IsCancellationRequested; seq++)
        {
            var key = _keys[seq % _keys.Length];
            var invoked = Now;
            try
            {
                var read = await _group.GetAsync(key, options);
                _history.Enqueue(
                    new HistoryOperation(
                        process,
                        OperationKind.Read,
                        key,
                        read.Found ? read.ValueAsString : null,
                        null,
                        invoked,
                        Now,
                        OperationOutcome.Ok
                    )
                );
            }
            catch (Exception e) when (e is ReplicationException or OrleansException or TimeoutException)
            {
                await Task.Delay(20); // a failed read changes nothing and need not be recorded
            }
        }
    }

    /// <summary>A session's reads of one key never go back: versions and tokens only grow.</summary>
    private async Task SessionAsync(int id)
    {
        var session = _group.OpenSession();
        var lastVersion = new Dictionary<string, long>();
        var options = new ReadOptions { Consistency = ReadConsistency.Session, Timeout = TimeSpan.FromSeconds(5) };
        for (var seq = 0; !_stop.IsCancellationRequested; seq++)
        {
            var key = _keys[seq % _keys.Length];
            var tokenBefore = session.Token;
            try
            {
                var read = await session.GetAsync(key, options);
                if (lastVersion.TryGetValue(key, out var last) && read.Version < last)
                {
                    _sessionViolations.Enqueue(
                        $"session {id}: {key} read version {read.Version} from node {read.NodeIndex} after version " +
                        $"{last}"
                    );
                }

                lastVersion[key] = Math.Max(last, read.Version);
                if (session.Token.CompareTo(tokenBefore) < 0)
                {
                    _sessionViolations.Enqueue($"session {id}: token went back from {tokenBefore} to {session.Token}");
                }
            }
            catch (Exception e) when (e is ReplicationException or OrleansException or TimeoutException)
            {
                await Task.Delay(20);
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Interlocked.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen)
        {
            seen = actual;
        }
    }

    private void Record(
        int process,
        OperationKind kind,
        string key,
        string? value,
        long invoked,
        long? completed,
        OperationOutcome outcome,
        bool unique
    )
    {
        if (!unique)
        {
            _history.Enqueue(new HistoryOperation(process, kind, key, value, null, invoked, completed, outcome));
        }
    }
}
