namespace Orleans.Replication.WriteAhead;

/// <summary>The few file operations the write-ahead log uses, so tests can simulate a power cut.</summary>
/// <remarks>
/// Durability rules the log relies on, and that a test implementation must model: bytes written to a file are
/// durable only after <see cref="ILogFile.Flush"/> returns; a create, rename or delete is durable only after
/// <see cref="FlushDirectory"/> of the directory holding it returns.
/// </remarks>
internal interface ILogFileSystem
{
    bool DirectoryExists(string path);

    void CreateDirectory(string path);

    /// <summary>Renames a directory (used to set a corrupt log aside).</summary>
    void MoveDirectory(string source, string destination);

    /// <summary>Names (not paths) of the files in a directory.</summary>
    IReadOnlyList<string> ListFiles(string directory);

    bool FileExists(string path);

    /// <summary>Opens a file for reading and writing, creating it when <paramref name="create"/> is set.</summary>
    ILogFile OpenFile(string path, bool create);

    /// <summary>Renames a file, replacing <paramref name="destination"/> if it exists.</summary>
    void ReplaceFile(string source, string destination);

    void DeleteFile(string path);

    /// <summary>Makes the creates, renames and deletes inside a directory durable.</summary>
    void FlushDirectory(string directory);
}

/// <summary>An open file; used by one thread at a time.</summary>
internal interface ILogFile : IDisposable
{
    long Length { get; }

    int Read(long offset, Span<byte> buffer);

    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Cuts the file to <paramref name="length"/> bytes (not durable until <see cref="Flush"/>).</summary>
    void SetLength(long length);

    /// <summary>fsync: returns once everything written so far is on the disk.</summary>
    void Flush();
}
