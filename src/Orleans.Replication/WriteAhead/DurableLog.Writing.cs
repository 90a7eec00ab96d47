namespace Orleans.Replication.WriteAhead;

/// <summary>The part of the log only the writer's thread runs: segment files, fsyncs, snapshots.</summary>
internal sealed partial class DurableLog
{
    private readonly List<SegmentInfo> _segments;
    private readonly List<PendingWork> _awaitingSync = [];
    private long _nextSequence;
    private ILogFile? _active;
    private SegmentInfo? _activeSegment;
    private bool _fileDirty;
    private bool _directoryDirty;

    /// <summary>When the oldest written but unsynced record was written (<see cref="LogSyncMode.Buffered"/>).</summary>
    internal long UnsyncedSince { get; private set; }

    internal bool HasUnsynced => _fileDirty || _directoryDirty;

    /// <summary>
    /// A batch of the last <see cref="WriteQueued"/> waits for an fsync a buffered log would not yet do.
    /// </summary>
    internal bool SyncWanted => _awaitingSync.Count > 0;

    internal TimeSpan BufferedFlushInterval => _options.BufferedFlushInterval;

    /// <summary>Continues the last recovered segment if it has room; called before the log is handed out.</summary>
    internal void OpenLastSegment()
    {
        if (_segments.Count > 0 && _segments[^1].Length < _options.SegmentSize)
        {
            _activeSegment = _segments[^1];
            _active = _files.OpenFile(_activeSegment.Path, create: false);
        }
    }

    /// <summary>Writes what was queued; Disk appends then wait for <see cref="SyncQueued"/>.</summary>
    internal void WriteQueued(long now)
    {
        List<PendingWork> items = TakePending();
        for (int i = 0; i < items.Count; i++)
        {
            PendingWork work = items[i];
            try
            {
                // A failed fsync faults the log for good: nothing after it is written, synced or acknowledged.
                if (_fault is not null)
                {
                    throw _fault;
                }

                switch (work.Kind)
                {
                    case PendingWorkKind.Records:
                        WriteRecords(work, now);
                        break;
                    case PendingWorkKind.Snapshot:
                        Sync();
                        WriteSnapshot(work);
                        work.Done.TrySetResult();
                        break;
                    case PendingWorkKind.Close:
                        Sync();
                        CloseActive();
                        work.Done.TrySetResult();
                        break;
                }
            }
            catch (Exception error)
            {
                FaultWith(error, items.Skip(i));
                return;
            }
        }
    }

    /// <summary>
    /// From the writer, after <see cref="WriteQueued"/> or when a buffered log is due: <see cref="Sync"/>, faulting the
    /// log if it fails.
    /// </summary>
    internal void SyncQueued()
    {
        if (_fault is not null)
        {
            return;
        }

        try
        {
            Sync();
        }
        catch (Exception error)
        {
            FaultWith(error, []);
        }
    }

    /// <summary>
    /// One fsync of the file (and of the directory if a segment was created) for all written so far, then the appends
    /// that waited for it are acknowledged. Throws when an fsync fails: the caller faults the log.
    /// </summary>
    private void Sync()
    {
        if (_fileDirty)
        {
            _active!.Flush();
            _fileDirty = false;
        }

        if (_directoryDirty)
        {
            _files.FlushDirectory(Directory);
            _directoryDirty = false;
        }

        foreach (PendingWork work in _awaitingSync)
        {
            work.Done.TrySetResult();
        }

        _awaitingSync.Clear();
    }

    private void WriteRecords(PendingWork work, long now)
    {
        if (work.Records.WrittenCount == 0)
        {
            // Only a sync asked for (SyncAsync): it waits for the next fsync of what was written before.
            _awaitingSync.Add(work);
            return;
        }

        if (!HasUnsynced)
        {
            UnsyncedSince = now;
        }

        if (_active is null)
        {
            StartSegment(work.FirstIndex);
        }

        _active!.Write(_activeSegment!.Length, work.Records.WrittenSpan);
        _activeSegment.Length += work.Records.WrittenCount;
        _activeSegment.MaxIndex = Math.Max(_activeSegment.MaxIndex, work.MaxIndex);
        _fileDirty = true;
        if (_options.SyncMode == LogSyncMode.Buffered && !work.MustSync)
        {
            work.Done.TrySetResult();
            _writer.MarkUnsynced(this);
        }
        else
        {
            _awaitingSync.Add(work);
        }

        if (_activeSegment.Length >= _options.SegmentSize)
        {
            // The full segment is synced now, so a later fsync touches only the new one.
            Sync();
            CloseActive();
        }
    }

    private void StartSegment(long firstIndex)
    {
        long sequence = _nextSequence++;
        var segment = new SegmentInfo(sequence, Path.Combine(Directory, SegmentName.Format(sequence, firstIndex)));
        _active = _files.OpenFile(segment.Path, create: true);
        _activeSegment = segment;
        _segments.Add(segment);
        _directoryDirty = true;
    }

    private void CloseActive()
    {
        _active?.Dispose();
        _active = null;
        _activeSegment = null;
    }

    // temporary file, fsync, rename over the snapshot, fsync the directory; only then release segments.
    private void WriteSnapshot(PendingWork work)
    {
        DurableSnapshot snapshot = work.Snapshot!;
        var position = new LogPosition(_activeSegment?.Sequence ?? _nextSequence, _activeSegment?.Length ?? 0);
        byte[] bytes = SnapshotFile.Encode(snapshot, position, work.Metadata);
        string temporary = Path.Combine(Directory, SnapshotFile.TemporaryFileName);
        using (ILogFile file = _files.OpenFile(temporary, create: true))
        {
            file.SetLength(0);
            file.Write(0, bytes);
            file.Flush();
        }

        _files.ReplaceFile(temporary, Path.Combine(Directory, SnapshotFile.FileName));
        _files.FlushDirectory(Directory);

        // Only a prefix goes: a kept segment must never be replayed without the truncations that followed it.
        int released = 0;
        while (released < _segments.Count && _segments[released] != _activeSegment
            && _segments[released].MaxIndex <= snapshot.Index)
        {
            _files.DeleteFile(_segments[released].Path);
            released++;
        }

        if (released > 0)
        {
            _segments.RemoveRange(0, released);

            // A lost delete only brings back records the snapshot covers; the next sync makes it durable.
            _directoryDirty = true;
        }
    }

    internal void FailFromWriter(Exception error) => FaultWith(error, []);

    private void FaultWith(Exception error, IEnumerable<PendingWork> taken)
    {
        var fault = new DurableLogFaultedException(Directory, error);
        List<PendingWork> queued;
        lock (_gate)
        {
            _fault ??= fault;
            queued = [.. _pending];
            _pending.Clear();
            _openBatch = null;
        }

        foreach (PendingWork work in _awaitingSync.Concat(taken).Concat(queued))
        {
            work.Done.TrySetException(_fault);
        }

        _awaitingSync.Clear();
        _fileDirty = false;
        _directoryDirty = false;
        try
        {
            CloseActive();
        }
        catch (IOException)
        {
            // Already faulted; the handle is gone either way.
        }

        _writer.Forget(this);
    }
}
