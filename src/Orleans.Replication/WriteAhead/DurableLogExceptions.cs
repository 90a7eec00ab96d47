namespace Orleans.Replication.WriteAhead;

/// <summary>
/// Recovery found a bad record that is not a torn last write (a bad CRC in the middle of the log, in a segment
/// other than the last, or a bad snapshot). Skipping it would silently lose acknowledged writes.
/// </summary>
/// <remarks>
/// The node cannot use this directory. <see cref="LogRecovery.SetAside"/> renames it so the node starts empty
/// and catches up from its group.
/// </remarks>
internal sealed class DurableLogCorruptException(string directory, string file, long offset, string reason)
    : IOException($"The write-ahead log in '{directory}' is corrupt: {reason} in '{file}' at offset {offset}.")
{
    public string Directory { get; } = directory;

    public string File { get; } = file;

    public long Offset { get; } = offset;
}

/// <summary>An earlier write or fsync of this log failed; the log takes no more records.</summary>
/// <remarks>
/// After a failed fsync the page cache may have dropped the unwritten data and a later fsync could succeed
/// without it, so the log never retries: the node must stop using it and recover from its directory.
/// </remarks>
internal sealed class DurableLogFaultedException(string directory, Exception cause)
    : IOException($"The write-ahead log in '{directory}' failed and takes no more records.", cause);
