using System.Text.Json;

namespace Orleans.Replication.WriteAhead;

/// <summary>
/// A silo's data directory: checked and claimed for the silo's cluster and name before the silo uses it.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Prepare(string, string, string)"/> refuses a path that does not exist or is a file, a directory that
/// another cluster or silo claimed (or whose identity file is damaged), and one it cannot write and fsync a probe
/// file in (read-only, full, or another error of the system). A refused directory is left exactly as it was: the
/// identity is read before anything is written, and a failed probe file is removed.
/// </para>
/// <para>
/// The claim is the identity file <see cref="IdentityFileName"/>, written once: to a temporary file, fsynced, moved
/// into place (never over another silo's claim made meanwhile), and the directory fsynced. Preparing a directory this
/// silo claimed before changes nothing, so every component that needs the directory may call it.
/// </para>
/// </remarks>
internal static class DataDirectory
{
    /// <summary>The identity file: <c>{"clusterId":…,"siloName":…,"created":…}</c>.</summary>
    public const string IdentityFileName = "replication-silo.json";

    /// <summary>Bytes the write probe writes and fsyncs.</summary>
    internal const int ProbeBytes = 4096;

    /// <summary>EROFS on Linux: the file system is mounted read-only.</summary>
    internal const int ErrnoReadOnly = 30;

    /// <summary>ENOSPC on Linux: no space left on the device.</summary>
    internal const int ErrnoNoSpace = 28;

    /// <summary>EDQUOT on Linux: the user's disk quota is used up.</summary>
    internal const int ErrnoQuota = 122;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Why a probe write failed, as far as the error tells.</summary>
    internal enum ProbeFailure
    {
        /// <summary>The directory cannot be written: permissions, or a read-only file system.</summary>
        ReadOnly,

        /// <summary>The device or the quota is full.</summary>
        Full,

        /// <summary>Another error of the system.</summary>
        Other,
    }

    /// <summary>
    /// Checks that <paramref name="path"/> is a writable directory of this silo and claims it for
    /// <paramref name="clusterId"/> and <paramref name="siloName"/> if no silo has.
    /// </summary>
    /// <exception cref="ReplicationDataDirectoryException">The directory cannot be used; it was not changed.
    /// </exception>
    public static void Prepare(string path, string clusterId, string siloName) =>
        Prepare(path, clusterId, siloName, Probe);

    /// <summary>
    /// <see cref="Prepare(string, string, string)"/> with another write probe: <paramref name="probe"/> gets the
    /// directory's full path and returns the error of writing and fsyncing a file in it, or null when that worked
    /// (and the file is gone again).
    /// </summary>
    internal static void Prepare(string path, string clusterId, string siloName, Func<string, Exception?> probe)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentException.ThrowIfNullOrWhiteSpace(siloName);
        ArgumentNullException.ThrowIfNull(probe);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (!Directory.Exists(full))
        {
            throw File.Exists(full)
                ? Refuse(full, "is a file, not a directory; pass a directory")
                : Refuse(full, "does not exist; create it or pass another");
        }

        string identity = Path.Combine(full, IdentityFileName);
        bool claimed = CheckIdentity(full, identity, clusterId, siloName);
        if (probe(full) is { } failure)
        {
            throw Refuse(full, Describe(failure), failure);
        }

        if (!claimed)
        {
            Claim(full, identity, clusterId, siloName);
        }
    }

    /// <summary>What a failed probe says about the directory (the errno, on Linux, is the low 16 bits of the
    /// <see cref="Exception.HResult"/> of an <see cref="IOException"/>).</summary>
    internal static ProbeFailure Classify(Exception failure)
    {
        if (failure is UnauthorizedAccessException)
        {
            return ProbeFailure.ReadOnly;
        }

        if (failure is not IOException)
        {
            return ProbeFailure.Other;
        }

        int code = failure.HResult & 0xFFFF;
        if (OperatingSystem.IsWindows())
        {
            // ERROR_WRITE_PROTECT; ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL, ERROR_DISK_QUOTA_EXCEEDED.
            return code switch
            {
                19 => ProbeFailure.ReadOnly,
                39 or 112 or 1295 => ProbeFailure.Full,
                _ => ProbeFailure.Other,
            };
        }

        return code switch
        {
            ErrnoReadOnly => ProbeFailure.ReadOnly,
            ErrnoNoSpace or ErrnoQuota => ProbeFailure.Full,
            _ => ProbeFailure.Other,
        };
    }

    /// <summary>The part of the refusal that says what is wrong with the directory and what to do.</summary>
    internal static string Describe(Exception failure) =>
        Classify(failure) switch
        {
            ProbeFailure.ReadOnly =>
                $"is read-only ({failure.Message}); make it writable by this process, or pass another",
            ProbeFailure.Full => $"is full ({failure.Message}); free space on its disk, or pass another",
            _ => $"cannot be written: {failure.Message}; fix the error, or pass another",
        };

    /// <summary>
    /// Writes <see cref="ProbeBytes"/> to a new, uniquely named file in <paramref name="directory"/>, fsyncs it and
    /// deletes it; the error, or null.
    /// </summary>
    internal static Exception? Probe(string directory)
    {
        string probe = Path.Combine(directory, $".replication-probe-{Guid.NewGuid():N}.tmp");
        try
        {
            using (var handle = File.OpenHandle(probe, FileMode.CreateNew, FileAccess.Write))
            {
                RandomAccess.Write(handle, new byte[ProbeBytes], 0);
                RandomAccess.FlushToDisk(handle);
            }

            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(probe);
            return e;
        }
    }

    /// <summary>
    /// Whether the identity file claims the directory for this silo (true) or is missing (false); refuses any other
    /// claim and a file that cannot be read or parsed.
    /// </summary>
    private static bool CheckIdentity(string directory, string identity, string clusterId, string siloName)
    {
        if (Directory.Exists(identity))
        {
            throw Refuse(directory, $"is damaged: its identity file {IdentityFileName} is a directory; move it " +
                "away, or pass another");
        }

        if (!File.Exists(identity))
        {
            return false;
        }

        Identity? claim;
        try
        {
            claim = JsonSerializer.Deserialize<Identity>(File.ReadAllBytes(identity), Json);
        }
        catch (JsonException e)
        {
            throw Damaged(directory, clusterId, siloName, e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refuse(directory, $"cannot be used: its identity file {IdentityFileName} cannot be read " +
                $"({e.Message}); make it readable by this process, or pass another", e);
        }

        if (claim is not { ClusterId: { Length: > 0 } claimCluster, SiloName: { Length: > 0 } claimSilo })
        {
            throw Damaged(directory, clusterId, siloName, "it names no cluster id and silo name", null);
        }

        if (claimCluster != clusterId || claimSilo != siloName)
        {
            throw Refuse(directory, $"belongs to cluster {claimCluster}, silo {claimSilo}; this silo is cluster " +
                $"{clusterId}, silo {siloName}. Pass this silo's own data directory, or start the silo with that " +
                "cluster id and silo name");
        }

        return true;
    }

    private static void Claim(string directory, string identity, string clusterId, string siloName)
    {
        string temp = Path.Combine(directory, $".{IdentityFileName}.{Guid.NewGuid():N}.tmp");
        byte[] content = JsonSerializer.SerializeToUtf8Bytes(new Identity(clusterId, siloName, DateTime.UtcNow), Json);
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write))
            {
                RandomAccess.Write(handle, content, 0);
                RandomAccess.FlushToDisk(handle);
            }

            File.Move(temp, identity, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            if (File.Exists(identity))
            {
                // Another start claimed it meanwhile: this silo may use it only if that claim is its own.
                _ = CheckIdentity(directory, identity, clusterId, siloName);
                return;
            }

            throw Refuse(directory, $"cannot be claimed: writing {IdentityFileName} failed ({e.Message}); fix the " +
                "error, or pass another", e);
        }

        try
        {
            PhysicalLogFileSystem.Instance.FlushDirectory(directory);
        }
        catch (IOException e)
        {
            TryDelete(identity);
            throw Refuse(directory, $"cannot be claimed: {e.Message}; fix the error, or pass another", e);
        }
    }

    private static ReplicationDataDirectoryException Damaged(
        string directory,
        string clusterId,
        string siloName,
        string reason,
        Exception? inner
    ) =>
        Refuse(directory, $"is damaged: its identity file {IdentityFileName} cannot be parsed ({reason}); restore " +
            $"it, or delete it if the directory is this silo's (cluster {clusterId}, silo {siloName})", inner);

    private static ReplicationDataDirectoryException Refuse(string directory, string what, Exception? inner = null) =>
        new(directory, $"The data directory '{directory}' {what}.", inner);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind; the refusal that follows says what went wrong.
        }
    }

    /// <summary>The content of the identity file.</summary>
    private sealed record Identity(string? ClusterId, string? SiloName, DateTime Created);
}
