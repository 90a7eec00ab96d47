using System.Collections.Concurrent;
using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.ClusterTests.DurableNodes;

/// <summary>
/// The real file layer, remembering how much of each file was fsynced, so that a test can cut the power of every
/// silo at once: <see cref="CutPower"/> stops every later call, <see cref="Restore"/> drops what was written after
/// each file's last fsync.
/// </summary>
/// <remarks>A file's name is taken as durable once it is created (directory fsyncs are not modelled); its bytes are
/// durable only up to its last fsync. A file this layer did not create counts as durable as found.</remarks>
internal sealed class PowerCutDisks : ILogFileSystem
{
    private readonly PhysicalLogFileSystem _real = new();
    private readonly ConcurrentDictionary<string, long> _synced = new(StringComparer.Ordinal);
    private volatile bool _off;
    private int _fileFlushes;

    /// <summary>File fsyncs so far.</summary>
    public int FileFlushes => Volatile.Read(ref _fileFlushes);

    /// <summary>The power goes: every later call of this layer fails as a dead disk would.</summary>
    public void CutPower() => _off = true;

    /// <summary>With the silos stopped: every file is cut back to what its last fsync made durable.</summary>
    /// <returns>The bytes dropped.</returns>
    public long Restore()
    {
        long dropped = 0;
        foreach (var (path, synced) in _synced)
        {
            if (System.IO.File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
                if (stream.Length > synced)
                {
                    dropped += stream.Length - synced;
                    stream.SetLength(synced);
                }
            }
        }

        _off = false;
        return dropped;
    }

    public bool DirectoryExists(string path) => On(() => _real.DirectoryExists(path));

    public void CreateDirectory(string path) => On(() => _real.CreateDirectory(path));

    public void MoveDirectory(string source, string destination)
    {
        On(() => _real.MoveDirectory(source, destination));
        foreach (var path in _synced.Keys.Where(p => p.StartsWith(source + Path.DirectorySeparatorChar,
                     StringComparison.Ordinal)))
        {
            if (_synced.TryRemove(path, out var length))
            {
                _synced[destination + path[source.Length..]] = length;
            }
        }
    }

    public IReadOnlyList<string> ListFiles(string directory) => On(() => _real.ListFiles(directory));

    public bool FileExists(string path) => On(() => _real.FileExists(path));

    public ILogFile OpenFile(string path, bool create)
    {
        var existed = On(() => _real.FileExists(path));
        var file = On(() => _real.OpenFile(path, create));
        _synced.TryAdd(path, existed ? file.Length : 0);
        return new File(this, file, path);
    }

    public void ReplaceFile(string source, string destination)
    {
        On(() => _real.ReplaceFile(source, destination));
        _synced[destination] = _synced.TryRemove(source, out var length) ? length : 0;
    }

    public void DeleteFile(string path)
    {
        On(() => _real.DeleteFile(path));
        _synced.TryRemove(path, out _);
    }

    public void FlushDirectory(string directory) => On(() => _real.FlushDirectory(directory));

    private T On<T>(Func<T> call) => _off ? throw new IOException("Input/output error (the power is off)") : call();

    private void On(Action call) => On(() =>
    {
        call();
        return true;
    });

    private sealed class File(PowerCutDisks disks, ILogFile inner, string path) : ILogFile
    {
        public long Length => disks.On(() => inner.Length);

        public int Read(long offset, Span<byte> buffer)
        {
            disks.On(() => { });
            return inner.Read(offset, buffer);
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            disks.On(() => { });
            inner.Write(offset, data);
        }

        public void SetLength(long length)
        {
            disks.On(() => inner.SetLength(length));
            disks._synced.AddOrUpdate(path, 0, (_, synced) => Math.Min(synced, length));
        }

        public void Flush()
        {
            disks.On(() => inner.Flush());
            disks._synced[path] = inner.Length;
            Interlocked.Increment(ref disks._fileFlushes);
        }

        public void Dispose() => inner.Dispose();
    }
}
