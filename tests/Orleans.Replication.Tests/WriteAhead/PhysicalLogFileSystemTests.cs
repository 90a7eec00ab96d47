using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public sealed class PhysicalLogFileSystemTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "durability-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task ALogOnTheRealDiskRecoversEntriesSnapshotAndMetadata()
    {
        string directory = Path.Combine(_root, "g", "0");
        var options = new DurableLogOptions { SegmentSize = 4096 };
        var incarnation = Guid.NewGuid();
        await using (var writer = new DiskWriter(PhysicalLogFileSystem.Instance, TimeProvider.System))
        {
            (DurableLog log, RecoveredLog recovered) = await writer.OpenAsync(directory, options);
            Assert.Empty(recovered.Entries);
            await log.AppendIncarnationAsync(incarnation);
            await log.AppendVoteAsync(1, 0);
            for (long i = 1; i <= 100; i++)
            {
                await log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
            }

            await log.WriteSnapshotAsync(60, 1, new byte[] { 6, 0 });
            await log.AppendMembershipAsync(3);
        }

        await using (var writer = new DiskWriter(PhysicalLogFileSystem.Instance, TimeProvider.System))
        {
            (DurableLog log, RecoveredLog recovered) = await writer.OpenAsync(directory, options);
            Assert.Equal(60, recovered.Snapshot!.Index);
            Assert.Equal(Enumerable.Range(61, 40).Select(i => (long)i), LogHarness.Indexes(recovered));
            Assert.Equal(new LogMetadata(new EpochVote(1, 0), incarnation, 3), recovered.Metadata);
            await log.AppendEntryAsync(101, 1, LogHarness.Payload(101));
        }

        Assert.Contains(SnapshotFile.FileName, Directory.GetFiles(directory).Select(Path.GetFileName));
    }

    [Fact]
    public void ADirectoryCanBeFsynced()
    {
        Directory.CreateDirectory(_root);
        PhysicalLogFileSystem.Instance.FlushDirectory(_root);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
