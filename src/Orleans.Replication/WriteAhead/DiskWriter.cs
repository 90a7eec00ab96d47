using System.Collections.Concurrent;

namespace Orleans.Replication.WriteAhead;

/// <summary>The one writer of a disk: a dedicated thread that writes and fsyncs for every log on it.</summary>
/// <remarks>
/// Group commit: each round takes everything every log queued, writes it (one write per log), then issues one
/// fsync per file touched, and only then completes the appends of the round. Appends that arrive meanwhile
/// form the next round, so under load many appends share an fsync. The thread is started with
/// <see cref="TaskCreationOptions.LongRunning"/> on the default scheduler, off the Orleans scheduler, so
/// blocking file calls never hold a grain's thread. Buffered logs are fsynced at least every
/// <see cref="DurableLogOptions.BufferedFlushInterval"/>, and in the round where one of their batches must be synced
/// (the node's standing, or <see cref="DurableLog.SyncAsync"/>).
/// </remarks>
internal sealed class DiskWriter : IAsyncDisposable
{
    private readonly ILogFileSystem _files;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<DurableLog> _ready = new();
    private readonly ConcurrentDictionary<string, DurableLog> _open = new(StringComparer.Ordinal);
    private readonly HashSet<DurableLog> _unsynced = [];
    private readonly AutoResetEvent _wake = new(false);
    private readonly Task _loop;
    private volatile bool _stopping;
    private Task? _disposal;

    public DiskWriter(ILogFileSystem files, TimeProvider time)
    {
        _files = files;
        _time = time;
        _loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Recovers the log in <paramref name="directory"/> (creating it if missing) and opens it for appending.
    /// </summary>
    /// <exception cref="DurableLogCorruptException">The directory holds a bad record that is not a torn tail;
    /// <see cref="LogRecovery.SetAside"/> moves it away.</exception>
    public Task<(DurableLog Log, RecoveredLog Recovered)> OpenAsync(string directory, DurableLogOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options.Validate();
        ObjectDisposedException.ThrowIf(_stopping, this);
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        return Task.Run(() =>
        {
            // Two logs on one directory would interleave their records.
            if (!_open.TryAdd(directory, null!))
            {
                throw new InvalidOperationException($"The log in '{directory}' is already open.");
            }

            try
            {
                LogRecovery.State state = LogRecovery.Recover(_files, directory, options);
                var log = new DurableLog(this, _files, directory, options, state);
                log.OpenLastSegment();
                _open[directory] = log;
                return (log, state.Log);
            }
            catch
            {
                _open.TryRemove(directory, out _);
                throw;
            }
        });
    }

    /// <summary>Sets a corrupt log directory aside (see <see cref="LogRecovery.SetAside"/>).</summary>
    public string SetAside(string directory)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (_open.ContainsKey(full))
        {
            throw new InvalidOperationException($"The log in '{full}' is open; close it before setting it aside.");
        }

        return LogRecovery.SetAside(_files, full, _time);
    }

    /// <summary>Closes every open log (waiting for what they queued), then stops the thread. Idempotent.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_open)
        {
            _disposal ??= StopAsync();
        }

        return new ValueTask(_disposal);
    }

    private async Task StopAsync()
    {
        foreach (DurableLog? log in _open.Values)
        {
            if (log is not null)
            {
                await log.DisposeAsync();
            }
        }

        _stopping = true;
        _wake.Set();
        await _loop;
        _wake.Dispose();
    }

    internal void Schedule(DurableLog log)
    {
        _ready.Enqueue(log);
        _wake.Set();
    }

    internal void MarkUnsynced(DurableLog log) => _unsynced.Add(log);

    internal void Forget(DurableLog log) => _open.TryRemove(new KeyValuePair<string, DurableLog>(log.Directory, log));

    private void Run()
    {
        var round = new List<DurableLog>();
        var inRound = new HashSet<DurableLog>();
        while (true)
        {
            _wake.WaitOne(NextBufferedSync());
            while (_ready.TryDequeue(out DurableLog? log))
            {
                if (inRound.Add(log))
                {
                    round.Add(log);
                }
            }

            try
            {
                long now = _time.GetTimestamp();
                foreach (DurableLog log in round)
                {
                    log.WriteQueued(now);
                }

                foreach (DurableLog log in round)
                {
                    if (log.SyncMode == LogSyncMode.Disk || log.SyncWanted)
                    {
                        log.SyncQueued();
                    }
                }
            }
            catch (Exception error)
            {
                // Logs catch their own I/O errors; anything else must not kill the thread and hang every append.
                foreach (DurableLog log in round)
                {
                    log.FailFromWriter(error);
                }
            }

            round.Clear();
            inRound.Clear();
            SyncDueBufferedLogs();
            if (_stopping && _ready.IsEmpty)
            {
                return;
            }
        }
    }

    private TimeSpan NextBufferedSync()
    {
        TimeSpan wait = Timeout.InfiniteTimeSpan;
        foreach (DurableLog log in _unsynced)
        {
            TimeSpan left = log.BufferedFlushInterval - _time.GetElapsedTime(log.UnsyncedSince);
            left = left < TimeSpan.Zero ? TimeSpan.Zero : left;
            wait = wait == Timeout.InfiniteTimeSpan || left < wait ? left : wait;
        }

        return wait;
    }

    private void SyncDueBufferedLogs()
    {
        if (_unsynced.Count == 0)
        {
            return;
        }

        List<DurableLog>? done = null;
        foreach (DurableLog log in _unsynced)
        {
            if (!log.HasUnsynced || log.Fault is not null)
            {
                (done ??= []).Add(log);
            }
            else if (_stopping || _time.GetElapsedTime(log.UnsyncedSince) >= log.BufferedFlushInterval)
            {
                log.SyncQueued();
                (done ??= []).Add(log);
            }
        }

        foreach (DurableLog log in done ?? [])
        {
            _unsynced.Remove(log);
        }
    }
}
