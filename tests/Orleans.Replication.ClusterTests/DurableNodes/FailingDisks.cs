using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.ClusterTests.DurableNodes;

/// <summary>The real file layer, whose fsyncs of files under <see cref="FailUnder"/> fail while it is set.</summary>
internal sealed class FailingDisks : ILogFileSystem
{
    private readonly PhysicalLogFileSystem _real = new();

    /// <summary>A directory prefix: fsyncs of files below it throw an I/O error; null lets them all through.</summary>
    public static volatile string? FailUnder;

    /// <summary>How many fsyncs failed.</summary>
    public static int Failures;

    public bool DirectoryExists(string path) => _real.DirectoryExists(path);

    public void CreateDirectory(string path) => _real.CreateDirectory(path);

    public void MoveDirectory(string source, string destination) => _real.MoveDirectory(source, destination);

    public IReadOnlyList<string> ListFiles(string directory) => _real.ListFiles(directory);

    public bool FileExists(string path) => _real.FileExists(path);

    public ILogFile OpenFile(string path, bool create) => new File(_real.OpenFile(path, create), path);

    public void ReplaceFile(string source, string destination) => _real.ReplaceFile(source, destination);

    public void DeleteFile(string path) => _real.DeleteFile(path);

    public void FlushDirectory(string directory) => _real.FlushDirectory(directory);

    private sealed class File(ILogFile inner, string path) : ILogFile
    {
        public long Length => inner.Length;

        public int Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);

        public void Write(long offset, ReadOnlySpan<byte> data) => inner.Write(offset, data);

        public void SetLength(long length) => inner.SetLength(length);

        public void Flush()
        {
            if (FailUnder is { } prefix && path.StartsWith(prefix, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref Failures);
                throw new IOException("Input/output error (simulated)");
            }

            inner.Flush();
        }

        public void Dispose() => inner.Dispose();
    }
}
