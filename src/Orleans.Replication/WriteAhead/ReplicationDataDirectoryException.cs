namespace Orleans.Replication;

/// <summary>
/// The silo's data directory (<c>ReplicationOptions.DataDirectory</c>) cannot be used: it is missing, not a directory,
/// not writable, full, or claimed by another cluster or silo. The silo does not start, and the directory is left as
/// it was.
/// </summary>
/// <remarks>The message names the directory, what is wrong with it and what to do.</remarks>
public sealed class ReplicationDataDirectoryException : Exception
{
    public ReplicationDataDirectoryException(string path, string message, Exception? inner = null)
        : base(message, inner) => Path = path;

    /// <summary>The directory's full path.</summary>
    public string Path { get; }
}
