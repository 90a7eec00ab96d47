using System.Globalization;

namespace Orleans.Replication.WriteAhead;

/// <summary>Reads a log directory back: the snapshot, then every record after it.</summary>
/// <remarks>
/// Rules: a bad record at the end of the last segment, with nothing valid after it, is a write torn by a crash:
/// the segment is cut back to the last good record (that write was never acknowledged). Any other bad record,
/// or a bad snapshot, makes recovery throw <see cref="DurableLogCorruptException"/>; nothing is skipped.
/// </remarks>
internal static class LogRecovery
{
    /// <summary>What the log needs to carry on appending after recovery.</summary>
    internal sealed record State(RecoveredLog Log, List<SegmentInfo> Segments, LogMetadata Metadata);

    public static State Recover(ILogFileSystem files, string directory, DurableLogOptions options)
    {
        files.CreateDirectory(directory);
        string temporary = Path.Combine(directory, SnapshotFile.TemporaryFileName);
        if (files.FileExists(temporary))
        {
            // A snapshot that was never renamed into place: the one before it (or none) still holds.
            files.DeleteFile(temporary);
        }

        DurableSnapshot? snapshot = null;
        LogPosition snapshotPosition = default;
        LogMetadata metadata = LogMetadata.Empty;
        string snapshotPath = Path.Combine(directory, SnapshotFile.FileName);
        if (files.FileExists(snapshotPath))
        {
            byte[] bytes = ReadAll(files, snapshotPath);
            if (!SnapshotFile.TryDecode(bytes, out snapshot, out snapshotPosition, out metadata))
            {
                throw new DurableLogCorruptException(directory, SnapshotFile.FileName, 0, "a bad snapshot");
            }
        }

        var segments = new List<SegmentInfo>();
        foreach (string name in files.ListFiles(directory))
        {
            if (SegmentName.TryParse(name, out long sequence))
            {
                segments.Add(new SegmentInfo(sequence, Path.Combine(directory, name)));
            }
        }

        segments.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        var entries = new List<DurableEntry>();
        long trimmed = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            SegmentInfo segment = segments[i];
            byte[] bytes = ReadAll(files, segment.Path);
            int offset = 0;
            while (offset < bytes.Length)
            {
                if (!RecordCodec.TryReadFrame(bytes.AsSpan(offset), options.MaxRecordSize, out LogRecordType type,
                        out int length) || type == LogRecordType.Snapshot)
                {
                    if (i < segments.Count - 1 || HasValidRecordAfter(bytes, offset, options.MaxRecordSize))
                    {
                        throw new DurableLogCorruptException(directory, Path.GetFileName(segment.Path), offset,
                            "a bad record followed by more log");
                    }

                    trimmed = bytes.Length - offset;
                    using ILogFile file = files.OpenFile(segment.Path, create: false);
                    file.SetLength(offset);
                    file.Flush();
                    break;
                }

                LogRecord record = RecordCodec.Decode(type, bytes.AsMemory(offset, length));
                bool coveredBySnapshot = snapshot is not null
                    && new LogPosition(segment.Sequence, offset).CompareTo(snapshotPosition) < 0;
                metadata = Apply(record, entries, segment, metadata, coveredBySnapshot);
                offset += length;
            }

            segment.Length = offset;
        }

        if (snapshot is not null)
        {
            entries.RemoveAll(entry => entry.Index <= snapshot.Index);
        }

        return new State(new RecoveredLog(snapshot, entries, metadata, trimmed), segments, metadata);
    }

    /// <summary>
    /// Renames a corrupt log directory to <c>{directory}.corrupt-{timestamp}</c> so the node can start empty;
    /// returns the new path. The bytes are kept for a person to look at.
    /// </summary>
    public static string SetAside(ILogFileSystem files, string directory, TimeProvider time)
    {
        string trimmed = Path.TrimEndingDirectorySeparator(directory);
        string stamp = time.GetUtcNow().ToString("yyyyMMddTHHmmssfffZ", CultureInfo.InvariantCulture);
        string destination = $"{trimmed}.corrupt-{stamp}";
        files.MoveDirectory(trimmed, destination);
        string? parent = Path.GetDirectoryName(trimmed);
        if (!string.IsNullOrEmpty(parent))
        {
            files.FlushDirectory(parent);
        }

        return destination;
    }

    private static LogMetadata Apply(in LogRecord record, List<DurableEntry> entries, SegmentInfo segment,
        LogMetadata metadata, bool coveredBySnapshot)
    {
        switch (record.Type)
        {
            case LogRecordType.Entry:
                entries.Add(new DurableEntry(record.Index, record.Epoch, record.Payload));
                segment.MaxIndex = Math.Max(segment.MaxIndex, record.Index);
                return metadata;
            case LogRecordType.Truncation:
                long from = record.Index;
                int keep = entries.FindIndex(entry => entry.Index >= from);
                if (keep >= 0)
                {
                    entries.RemoveRange(keep, entries.Count - keep);
                }

                return metadata;
            case LogRecordType.Vote when !coveredBySnapshot:
                return metadata with { Vote = new EpochVote(record.Epoch, record.VotedFor) };
            case LogRecordType.Incarnation when !coveredBySnapshot:
                return metadata with { Incarnation = record.Incarnation };
            case LogRecordType.Membership when !coveredBySnapshot:
                return metadata with { NodeCount = record.NodeCount };
            case LogRecordType.CaughtUp when !coveredBySnapshot:
                return metadata with { CaughtUp = record.Incarnation };
            default:
                return metadata;
        }
    }

    // A torn write leaves garbage only at the very end; a valid record further on means the damage is inside.
    private static bool HasValidRecordAfter(byte[] bytes, int badOffset, int maxRecordSize)
    {
        for (int offset = badOffset + 1; offset + RecordCodec.HeaderSize <= bytes.Length; offset++)
        {
            if (RecordCodec.TryReadFrame(bytes.AsSpan(offset), maxRecordSize, out LogRecordType type, out _)
                && type != LogRecordType.Snapshot)
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] ReadAll(ILogFileSystem files, string path)
    {
        using ILogFile file = files.OpenFile(path, create: false);
        var bytes = new byte[checked((int)file.Length)];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = file.Read(read, bytes.AsSpan(read));
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read == bytes.Length ? bytes : bytes[..read];
    }
}
