using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Orleans.Replication.WriteAhead;

/// <summary>The real file layer: <see cref="RandomAccess"/> on file handles, fsync through the runtime.</summary>
/// <remarks>
/// .NET cannot open a directory as a file (<see cref="File.OpenHandle"/> refuses directories), so on Linux and
/// macOS <see cref="FlushDirectory"/> calls <c>open(O_RDONLY)</c>, <c>fsync</c> and <c>close</c> from libc.
/// On Windows it does nothing: NTFS journals its metadata, and a rename there is as durable as the journal.
/// </remarks>
internal sealed partial class PhysicalLogFileSystem : ILogFileSystem
{
    public static PhysicalLogFileSystem Instance { get; } = new();

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public void MoveDirectory(string source, string destination) => Directory.Move(source, destination);

    public IReadOnlyList<string> ListFiles(string directory) =>
        Directory.GetFiles(directory).Select(path => Path.GetFileName(path)).ToArray();

    public bool FileExists(string path) => File.Exists(path);

    public ILogFile OpenFile(string path, bool create) =>
        new PhysicalLogFile(File.OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open,
            FileAccess.ReadWrite, FileShare.Read));

    public void ReplaceFile(string source, string destination) => File.Move(source, destination, overwrite: true);

    public void DeleteFile(string path) => File.Delete(path);

    public void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int fd = OperatingSystem.IsLinux() ? LinuxLibc.Open(directory, 0) : MacLibc.Open(directory, 0);
        if (fd < 0)
        {
            throw new IOException(
                $"Cannot open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            int result = OperatingSystem.IsLinux() ? LinuxLibc.Fsync(fd) : MacLibc.Fsync(fd);
            if (result != 0)
            {
                throw new IOException(
                    $"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = OperatingSystem.IsLinux() ? LinuxLibc.Close(fd) : MacLibc.Close(fd);
        }
    }

    private sealed class PhysicalLogFile(SafeFileHandle handle) : ILogFile
    {
        public long Length => RandomAccess.GetLength(handle);

        public int Read(long offset, Span<byte> buffer) => RandomAccess.Read(handle, buffer, offset);

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(handle, data, offset);

        public void SetLength(long length) => RandomAccess.SetLength(handle, length);

        public void Flush() => RandomAccess.FlushToDisk(handle);

        public void Dispose() => handle.Dispose();
    }

    private static class LinuxLibc
    {
        [DllImport("libc.so.6", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int fd);

        [DllImport("libc.so.6", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);
    }

    private static class MacLibc
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);
    }
}
