using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

/// <summary>An in-memory file layer that knows what is durable, so a test can cut the power.</summary>
/// <remarks>
/// Every file has the bytes a reader sees (the page cache) and the bytes on the disk (as of its last fsync);
/// every directory has the names a reader sees and the names on the disk (as of its last directory fsync).
/// <see cref="CutPower"/> keeps only the disk, optionally with part of the unsynced tail of each file (torn,
/// with garbage at the end) and, per directory, either its old or its new names. <see cref="Crash"/> kills the
/// process only: the page cache survives. Both invalidate every open handle. Directories themselves are
/// treated as durable once created. All members are thread-safe.
/// </remarks>
internal sealed class PowerCutFileSystem : ILogFileSystem
{
    private readonly object _gate = new();
    private readonly HashSet<string> _directories = [];
    private Dictionary<string, Inode> _names = [];
    private Dictionary<string, Inode> _durableNames = [];
    private int _generation;
    private bool _off;
    private int _fileFlushes;
    private int _directoryFlushes;

    /// <summary>When set, every fsync (file or directory) throws.</summary>
    public bool FailFlushes { get; set; }

    /// <summary>
    /// The one file fsync that fails, counted from 0 (none by default); the later ones succeed, as when the disk
    /// recovers while the page cache may have dropped what the failed fsync was to write.
    /// </summary>
    public int FailingFlush { get; set; } = -1;

    private int _flushAttempts;

    /// <summary>When set, a file fsync waits for it (outside the lock) before doing anything.</summary>
    public ManualResetEventSlim? HoldFileFlushes { get; set; }

    /// <summary>Released once each time a file fsync starts.</summary>
    public SemaphoreSlim FileFlushStarted { get; } = new(0);

    public int FileFlushes => Volatile.Read(ref _fileFlushes);

    public int DirectoryFlushes => Volatile.Read(ref _directoryFlushes);

    public bool DirectoryExists(string path)
    {
        lock (_gate)
        {
            return _directories.Contains(Normalize(path));
        }
    }

    public void CreateDirectory(string path)
    {
        lock (_gate)
        {
            _directories.Add(Normalize(path));
        }
    }

    public void MoveDirectory(string source, string destination)
    {
        lock (_gate)
        {
            string from = Normalize(source) + "/";
            string to = Normalize(destination) + "/";
            _directories.Remove(Normalize(source));
            _directories.Add(Normalize(destination));
            _names = Rename(_names, from, to);
            _durableNames = Rename(_durableNames, from, to);
        }
    }

    public IReadOnlyList<string> ListFiles(string directory)
    {
        lock (_gate)
        {
            Check(_generation);
            string dir = Normalize(directory);
            return _names.Keys.Where(path => Path.GetDirectoryName(path) == dir).Select(Path.GetFileName)
                .Select(name => name!).ToArray();
        }
    }

    public bool FileExists(string path)
    {
        lock (_gate)
        {
            return _names.ContainsKey(Normalize(path));
        }
    }

    public ILogFile OpenFile(string path, bool create)
    {
        lock (_gate)
        {
            Check(_generation);
            string key = Normalize(path);
            if (!_names.TryGetValue(key, out Inode? inode))
            {
                if (!create)
                {
                    throw new FileNotFoundException("No such file.", path);
                }

                inode = new Inode();
                _names[key] = inode;
            }

            return new Handle(this, inode, _generation);
        }
    }

    public void ReplaceFile(string source, string destination)
    {
        lock (_gate)
        {
            Check(_generation);
            string from = Normalize(source);
            if (!_names.Remove(from, out Inode? inode))
            {
                throw new FileNotFoundException("No such file.", source);
            }

            _names[Normalize(destination)] = inode;
        }
    }

    public void DeleteFile(string path)
    {
        lock (_gate)
        {
            Check(_generation);
            _names.Remove(Normalize(path));
        }
    }

    public void FlushDirectory(string directory)
    {
        lock (_gate)
        {
            Check(_generation);
            if (FailFlushes)
            {
                throw new IOException("Simulated fsync failure (directory).");
            }

            string dir = Normalize(directory);
            foreach (string path in _durableNames.Keys.Where(path => Path.GetDirectoryName(path) == dir).ToList())
            {
                _durableNames.Remove(path);
            }

            foreach ((string path, Inode inode) in _names.Where(pair => Path.GetDirectoryName(pair.Key) == dir))
            {
                _durableNames[path] = inode;
            }

            _directoryFlushes++;
        }
    }

    /// <summary>The process dies; what was written stays in the page cache. Every call fails until
    /// <see cref="Restart"/>, so the dead writer cannot touch the files the next one recovers.</summary>
    public void Crash()
    {
        lock (_gate)
        {
            _generation++;
            _off = true;
        }
    }

    /// <summary>The machine (or process) is back: calls work again, on new handles.</summary>
    public void Restart()
    {
        lock (_gate)
        {
            _off = false;
        }
    }

    /// <summary>The machine loses power: only what was fsynced is kept (with <paramref name="tear"/>, plus a
    /// random, garbled part of each unsynced tail, and per directory possibly the unsynced names). Every call
    /// fails until <see cref="Restart"/>.</summary>
    public void CutPower(Random random, bool tear)
    {
        lock (_gate)
        {
            _generation++;
            _off = true;
            foreach (Inode inode in _names.Values.Concat(_durableNames.Values).Distinct())
            {
                inode.Cut(random, tear);
            }

            var names = new Dictionary<string, Inode>(_durableNames);
            if (tear)
            {
                foreach (string dir in _directories.Where(_ => random.Next(2) == 0))
                {
                    foreach (string path in names.Keys.Where(path => Path.GetDirectoryName(path) == dir).ToList())
                    {
                        names.Remove(path);
                    }

                    foreach ((string path, Inode inode) in _names.Where(p => Path.GetDirectoryName(p.Key) == dir))
                    {
                        names[path] = inode;
                    }
                }
            }

            _names = names;
            _durableNames = new Dictionary<string, Inode>(names);
        }
    }

    /// <summary>The bytes a reader sees.</summary>
    public byte[] ReadAllBytes(string path)
    {
        lock (_gate)
        {
            return _names[Normalize(path)].Current.ToArray();
        }
    }

    /// <summary>Replaces a file's bytes, as written and synced (to damage a log on purpose).</summary>
    public void OverwriteDurably(string path, byte[] bytes)
    {
        lock (_gate)
        {
            Inode inode = _names[Normalize(path)];
            inode.Current = [.. bytes];
            inode.Durable = [.. bytes];
        }
    }

    private static Dictionary<string, Inode> Rename(Dictionary<string, Inode> names, string from, string to) =>
        names.ToDictionary(pair => pair.Key.StartsWith(from, StringComparison.Ordinal)
            ? to + pair.Key[from.Length..] : pair.Key, pair => pair.Value);

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    private void Check(int generation)
    {
        if (_off || generation != _generation)
        {
            throw new IOException("Simulated power cut or crash: the handle is gone.");
        }
    }

    private sealed class Inode
    {
        public List<byte> Current { get; set; } = [];

        public List<byte> Durable { get; set; } = [];

        public void Cut(Random random, bool tear)
        {
            var kept = new List<byte>(Durable);
            bool appendedOnly = Current.Count > Durable.Count
                && Current.Take(Durable.Count).SequenceEqual(Durable);
            if (tear && appendedOnly)
            {
                int extra = random.Next(Current.Count - Durable.Count + 1);
                kept.AddRange(Current.Skip(Durable.Count).Take(extra));
                int garbage = Math.Min(extra, random.Next(0, 16));
                for (int i = kept.Count - garbage; i < kept.Count; i++)
                {
                    kept[i] = (byte)random.Next(256);
                }
            }

            Current = kept;
            Durable = [.. kept];
        }
    }

    private sealed class Handle(PowerCutFileSystem files, Inode inode, int generation) : ILogFile
    {
        public long Length
        {
            get
            {
                lock (files._gate)
                {
                    files.Check(generation);
                    return inode.Current.Count;
                }
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (files._gate)
            {
                files.Check(generation);
                int count = (int)Math.Max(0, Math.Min(buffer.Length, inode.Current.Count - offset));
                for (int i = 0; i < count; i++)
                {
                    buffer[i] = inode.Current[(int)offset + i];
                }

                return count;
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (files._gate)
            {
                files.Check(generation);
                while (inode.Current.Count < offset)
                {
                    inode.Current.Add(0);
                }

                for (int i = 0; i < data.Length; i++)
                {
                    int at = (int)offset + i;
                    if (at < inode.Current.Count)
                    {
                        inode.Current[at] = data[i];
                    }
                    else
                    {
                        inode.Current.Add(data[i]);
                    }
                }
            }
        }

        public void SetLength(long length)
        {
            lock (files._gate)
            {
                files.Check(generation);
                if (length < inode.Current.Count)
                {
                    inode.Current.RemoveRange((int)length, inode.Current.Count - (int)length);
                }

                while (inode.Current.Count < length)
                {
                    inode.Current.Add(0);
                }
            }
        }

        public void Flush()
        {
            files.FileFlushStarted.Release();
            files.HoldFileFlushes?.Wait(TimeSpan.FromSeconds(30));
            lock (files._gate)
            {
                files.Check(generation);
                if (files.FailFlushes || files._flushAttempts++ == files.FailingFlush)
                {
                    throw new IOException("Simulated fsync failure.");
                }

                inode.Durable = [.. inode.Current];
                files._fileFlushes++;
            }
        }

        public void Dispose()
        {
        }
    }
}
