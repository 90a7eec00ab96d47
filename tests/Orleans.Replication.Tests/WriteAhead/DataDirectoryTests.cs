using System.Text.Json;
using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public sealed class DataDirectoryTests : IDisposable
{
    private const string Cluster = "prod";
    private const string Silo = "silo-1";
    private readonly string _root = Directory.CreateTempSubdirectory("data-directory-").FullName;

    private string Identity => Path.Combine(_root, DataDirectory.IdentityFileName);

    [Fact]
    public void AMissingPathIsRefusedAndNotCreated()
    {
        string missing = Path.Combine(_root, "nowhere");

        var e = Assert.Throws<ReplicationDataDirectoryException>(() => DataDirectory.Prepare(missing, Cluster, Silo));

        Assert.Equal($"The data directory '{missing}' does not exist; create it or pass another.", e.Message);
        Assert.Equal(missing, e.Path);
        Assert.False(Path.Exists(missing));
    }

    [Fact]
    public void AFileIsRefusedAndLeftAsItWas()
    {
        string file = Path.Combine(_root, "data");
        File.WriteAllText(file, "not a directory");

        var e = Assert.Throws<ReplicationDataDirectoryException>(() => DataDirectory.Prepare(file, Cluster, Silo));

        Assert.Contains($"'{file}' is a file, not a directory", e.Message, StringComparison.Ordinal);
        Assert.Equal("not a directory", File.ReadAllText(file));
    }

    [Fact]
    public void AnEmptyDirectoryIsClaimedAndAcceptedAgainUnchanged()
    {
        var before = DateTime.UtcNow;
        DataDirectory.Prepare(_root + Path.DirectorySeparatorChar, Cluster, Silo);

        Assert.Equal([DataDirectory.IdentityFileName], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
        using (var json = JsonDocument.Parse(File.ReadAllBytes(Identity)))
        {
            Assert.Equal(Cluster, json.RootElement.GetProperty("clusterId").GetString());
            Assert.Equal(Silo, json.RootElement.GetProperty("siloName").GetString());
            string created = json.RootElement.GetProperty("created").GetString()!;
            Assert.EndsWith("Z", created, StringComparison.Ordinal);
            var at = DateTime.Parse(created, null, System.Globalization.DateTimeStyles.RoundtripKind);
            Assert.Equal(DateTimeKind.Utc, at.Kind);
            Assert.InRange(at, before, DateTime.UtcNow);
        }

        var claimed = Snapshot();
        DataDirectory.Prepare(_root, Cluster, Silo);

        Assert.Equal(claimed, Snapshot());
    }

    [Fact]
    public void ADirectoryWithDataButNoIdentityIsClaimedAndItsFilesKept()
    {
        Directory.CreateDirectory(Path.Combine(_root, "groups"));
        File.WriteAllText(Path.Combine(_root, "groups", "g"), "data");

        DataDirectory.Prepare(_root, Cluster, Silo);

        Assert.True(File.Exists(Identity));
        Assert.Equal("data", File.ReadAllText(Path.Combine(_root, "groups", "g")));
        Assert.Equal(2, Directory.GetFileSystemEntries(_root).Length);
    }

    [Theory]
    [InlineData("test", Silo, "belongs to cluster test, silo silo-1; this silo is cluster prod, silo silo-1")]
    [InlineData(Cluster, "silo-2", "belongs to cluster prod, silo silo-2; this silo is cluster prod, silo silo-1")]
    [InlineData("Prod", Silo, "belongs to cluster Prod, silo silo-1; this silo is cluster prod, silo silo-1")]
    public void ADirectoryOfAnotherClusterOrSiloIsRefusedUnchanged(string cluster, string silo, string message)
    {
        DataDirectory.Prepare(_root, cluster, silo);
        File.WriteAllText(Path.Combine(_root, "log"), "records");
        var before = Snapshot();
        var probes = 0;

        var e = Assert.Throws<ReplicationDataDirectoryException>(() =>
            DataDirectory.Prepare(_root, Cluster, Silo, _ =>
            {
                probes++;
                return null;
            }));

        Assert.StartsWith($"The data directory '{_root}' {message}.", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
        Assert.Equal(0, probes);
    }

    [Theory]
    [InlineData("{\"clusterId\":\"prod\"")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"clusterId\":\"prod\",\"siloName\":\"\"}")]
    [InlineData("{\"clusterId\":\"prod\",\"siloName\":7}")]
    public void ADamagedIdentityIsRefusedUnchanged(string identity)
    {
        File.WriteAllText(Identity, identity);
        var before = Snapshot();

        var e = Assert.Throws<ReplicationDataDirectoryException>(() => DataDirectory.Prepare(_root, Cluster, Silo));

        Assert.StartsWith($"The data directory '{_root}' is damaged: its identity file replication-silo.json cannot " +
            "be parsed", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void AnIdentityThatIsADirectoryIsRefused()
    {
        Directory.CreateDirectory(Identity);

        var e = Assert.Throws<ReplicationDataDirectoryException>(() => DataDirectory.Prepare(_root, Cluster, Silo));

        Assert.Contains("is damaged", e.Message, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Identity));
    }

    [Theory]
    [InlineData(DataDirectory.ErrnoReadOnly, "is read-only")]
    [InlineData(DataDirectory.ErrnoNoSpace, "is full")]
    [InlineData(DataDirectory.ErrnoQuota, "is full")]
    [InlineData(5, "cannot be written: Input/output error")]
    public void ADirectoryThatCannotBeWrittenIsRefusedAndNotClaimed(int errno, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Windows error codes are other numbers.
        }

        File.WriteAllText(Path.Combine(_root, "log"), "records");
        var before = Snapshot();
        string? probed = null;

        var e = Assert.Throws<ReplicationDataDirectoryException>(() =>
            DataDirectory.Prepare(_root, Cluster, Silo, directory =>
            {
                probed = directory;
                return new IOException("Input/output error", errno);
            }));

        Assert.StartsWith($"The data directory '{_root}' {what}", e.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(e.InnerException);
        Assert.Equal(_root, probed);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void ADirectoryThisSiloClaimedIsStillRefusedWhenItBecameReadOnly()
    {
        DataDirectory.Prepare(_root, Cluster, Silo);
        var before = Snapshot();

        var e = Assert.Throws<ReplicationDataDirectoryException>(() =>
            DataDirectory.Prepare(_root, Cluster, Silo, _ => new UnauthorizedAccessException("Access denied.")));

        Assert.Equal($"The data directory '{_root}' is read-only (Access denied.); make it writable by this process, " +
            "or pass another.", e.Message);
        Assert.Equal(before, Snapshot());
    }

    [Theory]
    [InlineData(30, "ReadOnly")]
    [InlineData(28, "Full")]
    [InlineData(122, "Full")]
    [InlineData(unchecked((int)0x8007001C), "Full")] // errno 28 in the low 16 bits
    [InlineData(5, "Other")]
    [InlineData(13, "Other")]
    public void AnIOErrorIsClassifiedByTheErrnoInItsHResult(int hresult, string expected)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Assert.Equal(expected, DataDirectory.Classify(new IOException("failed", hresult)).ToString());
    }

    [Fact]
    public void AccessDeniedIsReadOnlyAndOtherErrorsAreOther()
    {
        Assert.Equal(DataDirectory.ProbeFailure.ReadOnly, DataDirectory.Classify(new UnauthorizedAccessException()));
        Assert.Equal(DataDirectory.ProbeFailure.Other, DataDirectory.Classify(new InvalidOperationException()));
        Assert.StartsWith("is full (failed)", DataDirectory.Describe(new IOException("failed", 28)),
            StringComparison.Ordinal);
    }

    [Fact]
    public void TheRuntimeReportsAFullDeviceAsFull()
    {
        // /dev/full fails every write with ENOSPC: the errno must arrive where Classify looks for it.
        if (!OperatingSystem.IsLinux() || !File.Exists("/dev/full"))
        {
            return;
        }

        using var handle = File.OpenHandle("/dev/full", FileMode.Open, FileAccess.Write);
        var e = Assert.ThrowsAny<IOException>(() => RandomAccess.Write(handle, new byte[4096], 0));

        Assert.Equal(DataDirectory.ProbeFailure.Full, DataDirectory.Classify(e));
    }

    [Fact]
    public void TheProbeWritesFsyncsAndRemovesItsFile()
    {
        Assert.Null(DataDirectory.Probe(_root));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void TheProbeReportsTheErrorOfADirectoryItCannotWriteIn()
    {
        string gone = Path.Combine(_root, "gone");

        Assert.IsType<DirectoryNotFoundException>(DataDirectory.Probe(gone));
        Assert.False(Path.Exists(gone));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Every entry under the root with its content (files) or a marker (directories).</summary>
    private SortedDictionary<string, string> Snapshot()
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFileSystemEntries(_root, "*", SearchOption.AllDirectories))
        {
            entries[Path.GetRelativePath(_root, path)] = Directory.Exists(path)
                ? "<directory>"
                : Convert.ToBase64String(File.ReadAllBytes(path)) + " " + File.GetLastWriteTimeUtc(path).Ticks;
        }

        return entries;
    }
}
