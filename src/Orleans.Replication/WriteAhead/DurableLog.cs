namespace Orleans.Replication.WriteAhead;

/// <summary>One node's write-ahead log: appends, snapshots, and the segment files behind them.</summary>
/// <remarks>
/// Appends may come from any thread. They are encoded at once, in call order, and complete (in that order) when
/// the <see cref="DiskWriter"/> has fsynced them (<see cref="LogSyncMode.Disk"/>) or written them
/// (<see cref="LogSyncMode.Buffered"/>). The node's standing (vote, incarnation, size, caught-up mark) is fsynced
/// in every mode, and <see cref="SyncAsync"/> asks a buffered log for an fsync of everything before it. Entry
/// indexes must grow; a truncation lets them start again lower.
/// After any failed write or fsync every pending and later call fails with
/// <see cref="DurableLogFaultedException"/>: the log is never retried. File handles are touched only by the
/// writer's thread (see DurableLog.Writing.cs).
/// </remarks>
internal sealed partial class DurableLog : IAsyncDisposable
{
    private readonly DiskWriter _writer;
    private readonly ILogFileSystem _files;
    private readonly DurableLogOptions _options;
    private readonly object _gate = new();
    private readonly Queue<PendingWork> _pending = new();
    private PendingWork? _openBatch;
    private bool _scheduled;
    private bool _closing;
    private DurableLogFaultedException? _fault;
    private long _lastIndex;
    private LogMetadata _metadata;

    internal DurableLog(DiskWriter writer, ILogFileSystem files, string directory, DurableLogOptions options,
        LogRecovery.State recovered)
    {
        _writer = writer;
        _files = files;
        Directory = directory;
        _options = options;
        _lastIndex = recovered.Log.LastIndex;
        _metadata = recovered.Metadata;
        _segments = recovered.Segments;
        _nextSequence = _segments.Count > 0 ? _segments[^1].Sequence + 1 : 1;
    }

    public string Directory { get; }

    public LogSyncMode SyncMode => _options.SyncMode;

    /// <summary>The error that stopped this log, or null while it works.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Index of the last entry appended (or recovered), after truncations.</summary>
    public long LastIndex
    {
        get
        {
            lock (_gate)
            {
                return _lastIndex;
            }
        }
    }

    public ValueTask AppendEntryAsync(long index, long epoch, ReadOnlyMemory<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(index, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, _options.MaxRecordSize - 16,
            nameof(payload));
        return Append(LogRecord.ForEntry(index, epoch, payload));
    }

    /// <summary>
    /// Records the node's epoch and vote, fsynced in every mode: a node answers an election only after this
    /// completed.
    /// </summary>
    public ValueTask AppendVoteAsync(long epoch, int votedFor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfLessThan(votedFor, EpochVote.NoVote);
        return Append(LogRecord.ForVote(new EpochVote(epoch, votedFor)), sync: true);
    }

    public ValueTask AppendIncarnationAsync(Guid incarnation) =>
        Append(LogRecord.ForIncarnation(incarnation), sync: true);

    /// <summary>Records that <paramref name="incarnation"/> holds everything committed it was told of.</summary>
    public ValueTask AppendCaughtUpAsync(Guid incarnation) => Append(LogRecord.ForCaughtUp(incarnation), sync: true);

    public ValueTask AppendMembershipAsync(int nodeCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        return Append(LogRecord.ForMembership(nodeCount), sync: true);
    }

    /// <summary>
    /// Completes once everything appended before it is fsynced, in either mode: a <see cref="LogSyncMode.Buffered"/>
    /// log fsyncs for it in the writer's next round, with whatever else that round writes.
    /// </summary>
    public ValueTask SyncAsync()
    {
        lock (_gate)
        {
            if (Refusal() is { } refused)
            {
                return ValueTask.FromException(refused);
            }

            PendingWork batch = _openBatch ??= Enqueue(PendingWork.ForRecords(_lastIndex + 1));
            batch.MustSync = true;
            ScheduleLocked();
            return new ValueTask(batch.Done.Task);
        }
    }

    /// <summary>Drops the log suffix from <paramref name="fromIndex"/> on (a replica whose log diverged).</summary>
    public ValueTask AppendTruncationAsync(long fromIndex)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromIndex, 1);
        return Append(LogRecord.ForTruncation(fromIndex));
    }

    /// <summary>
    /// Writes a snapshot of the caller's state covering entries up to <paramref name="index"/>, then releases
    /// the segments wholly behind it. Completes once the snapshot is durable (always fsynced, in every mode).
    /// </summary>
    public Task WriteSnapshotAsync(long index, long epoch, ReadOnlyMemory<byte> state)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var snapshot = new DurableSnapshot(index, epoch, state.ToArray());
        lock (_gate)
        {
            if (Refusal() is { } refused)
            {
                return Task.FromException(refused);
            }

            PendingWork work = Enqueue(PendingWork.ForSnapshot(snapshot, _metadata));
            ScheduleLocked();
            return work.Done.Task;
        }
    }

    /// <summary>Waits for everything queued, syncs it and closes the files.</summary>
    public async ValueTask DisposeAsync()
    {
        PendingWork close = PendingWork.ForClose();
        lock (_gate)
        {
            if (_closing || _fault is not null)
            {
                _closing = true;
                return;
            }

            _closing = true;
            Enqueue(close);
            ScheduleLocked();
        }

        try
        {
            await close.Done.Task;
        }
        catch (DurableLogFaultedException)
        {
            // The fault was reported to the appends it failed; closing has nothing to add.
        }

        _writer.Forget(this);
    }

    private ValueTask Append(in LogRecord record, bool sync = false)
    {
        lock (_gate)
        {
            if (Refusal() is { } refused)
            {
                return ValueTask.FromException(refused);
            }

            if (record.Type == LogRecordType.Entry && record.Index <= _lastIndex)
            {
                throw new ArgumentOutOfRangeException(nameof(record), record.Index,
                    $"Entry index must be above the last index {_lastIndex} (append a truncation first).");
            }

            PendingWork batch = _openBatch ??= Enqueue(PendingWork.ForRecords(_lastIndex + 1));
            batch.MustSync |= sync;
            RecordCodec.Write(batch.Records, record);
            Remember(record, batch);
            ScheduleLocked();
            return new ValueTask(batch.Done.Task);
        }
    }

    private PendingWork Enqueue(PendingWork work)
    {
        _openBatch = null;
        _pending.Enqueue(work);
        return work;
    }

    private void Remember(in LogRecord record, PendingWork batch)
    {
        switch (record.Type)
        {
            case LogRecordType.Entry:
                _lastIndex = record.Index;
                batch.MaxIndex = Math.Max(batch.MaxIndex, record.Index);
                break;
            case LogRecordType.Truncation:
                _lastIndex = Math.Min(_lastIndex, record.Index - 1);
                break;
            case LogRecordType.Vote:
                _metadata = _metadata with { Vote = new EpochVote(record.Epoch, record.VotedFor) };
                break;
            case LogRecordType.Incarnation:
                _metadata = _metadata with { Incarnation = record.Incarnation };
                break;
            case LogRecordType.Membership:
                _metadata = _metadata with { NodeCount = record.NodeCount };
                break;
            case LogRecordType.CaughtUp:
                _metadata = _metadata with { CaughtUp = record.Incarnation };
                break;
        }
    }

    private Exception? Refusal() =>
        (Exception?)_fault ?? (_closing
            ? new ObjectDisposedException(nameof(DurableLog), $"The log in '{Directory}' is closed.")
            : null);

    private void ScheduleLocked()
    {
        if (!_scheduled)
        {
            _scheduled = true;
            _writer.Schedule(this);
        }
    }

    /// <summary>Called by the writer: takes everything queued so far.</summary>
    internal List<PendingWork> TakePending()
    {
        lock (_gate)
        {
            _scheduled = false;
            _openBatch = null;
            var taken = new List<PendingWork>(_pending);
            _pending.Clear();
            return taken;
        }
    }
}
