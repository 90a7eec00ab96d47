using Microsoft.Extensions.Time.Testing;
using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public class RecoveryTests
{
    [Fact]
    public async Task ATornLastRecordIsTrimmedAndAppendsCarryOnAfterIt()
    {
        await using LogHarness harness = await LogHarness.OpenAsync();
        for (long i = 1; i <= 10; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        string segment = Path.Combine(LogHarness.Directory, harness.Segments()[^1]);
        byte[] good = harness.Files.ReadAllBytes(segment);
        byte[] whole = LogRecordBytes(11);
        foreach (int cut in new[] { 3, RecordCodec_HeaderSize, whole.Length - 1 })
        {
            harness.Files.Crash();
            harness.Files.OverwriteDurably(segment, [.. good, .. whole[..cut]]);
            await harness.RestartAsync();
            Assert.Equal(cut, harness.Recovered.TrimmedBytes);
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), LogHarness.Indexes(harness.Recovered));
            Assert.Equal(good, harness.Files.ReadAllBytes(segment));
        }

        await harness.Log.AppendEntryAsync(11, 1, LogHarness.Payload(11));
        harness.Files.CutPower(new Random(5), tear: false);
        await harness.RestartAsync();
        Assert.Equal(Enumerable.Range(1, 11).Select(i => (long)i), LogHarness.Indexes(harness.Recovered));
    }

    [Fact]
    public async Task ABadRecordInTheMiddleIsRefusedAndCanBeSetAside()
    {
        await using LogHarness harness = await LogHarness.OpenAsync();
        for (long i = 1; i <= 10; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        string segment = Path.Combine(LogHarness.Directory, harness.Segments()[^1]);
        byte[] bytes = harness.Files.ReadAllBytes(segment);
        bytes[bytes.Length / 2] ^= 0xFF;
        harness.Files.Crash();
        harness.Files.OverwriteDurably(segment, bytes);
        harness.Files.Restart();
        await harness.AbandonAsync();

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var writer = new DiskWriter(harness.Files, time);
        var error = await Assert.ThrowsAsync<DurableLogCorruptException>(
            () => writer.OpenAsync(LogHarness.Directory, new DurableLogOptions()));
        Assert.Equal(Path.GetFileName(segment), error.File);
        Assert.True(error.Offset <= bytes.Length / 2, $"reported offset {error.Offset}");
        Assert.Equal(bytes, harness.Files.ReadAllBytes(segment));

        string moved = writer.SetAside(LogHarness.Directory);
        Assert.Equal(LogHarness.Directory + ".corrupt-20261203T120000000Z", moved);
        Assert.Equal(bytes, harness.Files.ReadAllBytes(Path.Combine(moved, Path.GetFileName(segment))));
        (DurableLog log, RecoveredLog recovered) =
            await writer.OpenAsync(LogHarness.Directory, new DurableLogOptions());
        Assert.Empty(recovered.Entries);
        await log.AppendEntryAsync(1, 2, new byte[] { 1 });
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task ATornRecordAtTheEndOfAnEarlierSegmentIsCorruption()
    {
        var options = new DurableLogOptions { SegmentSize = 4096 };
        await using LogHarness harness = await LogHarness.OpenAsync(options: options);
        for (long i = 1; i <= 100; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        string[] segments = harness.Segments();
        Assert.True(segments.Length >= 3, $"only {segments.Length} segments");
        string first = Path.Combine(LogHarness.Directory, segments[0]);
        byte[] bytes = harness.Files.ReadAllBytes(first);
        harness.Files.Crash();
        harness.Files.OverwriteDurably(first, bytes[..^2]);
        harness.Files.Restart();
        await harness.AbandonAsync();

        var writer = new DiskWriter(harness.Files, TimeProvider.System);
        var error = await Assert.ThrowsAsync<DurableLogCorruptException>(
            () => writer.OpenAsync(LogHarness.Directory, options));
        Assert.Equal(segments[0], error.File);
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task ASnapshotReleasesTheSegmentsBehindItAndKeepsTheMetadata()
    {
        var options = new DurableLogOptions { SegmentSize = 4096 };
        await using LogHarness harness = await LogHarness.OpenAsync(options: options);
        var incarnation = Guid.NewGuid();
        await harness.Log.AppendIncarnationAsync(incarnation);
        await harness.Log.AppendMembershipAsync(3);
        await harness.Log.AppendVoteAsync(2, 0);
        for (long i = 1; i <= 200; i++)
        {
            await harness.Log.AppendEntryAsync(i, 2, LogHarness.Payload(i));
        }

        int before = harness.Segments().Length;
        await harness.Log.WriteSnapshotAsync(150, 2, new byte[] { 1, 5, 0 });
        string[] after = harness.Segments();
        Assert.True(after.Length < before, $"{before} segments before the snapshot, {after.Length} after");
        Assert.DoesNotContain(harness.Files.ListFiles(LogHarness.Directory), name => name == "snapshot.tmp");

        await harness.Log.AppendVoteAsync(3, 1);
        harness.Files.CutPower(new Random(6), tear: false);
        await harness.RestartAsync();
        RecoveredLog recovered = harness.Recovered;
        Assert.Equal(150, recovered.Snapshot!.Index);
        Assert.Equal(2, recovered.Snapshot.Epoch);
        Assert.Equal(new byte[] { 1, 5, 0 }, recovered.Snapshot.State.ToArray());
        Assert.Equal(Enumerable.Range(151, 50).Select(i => (long)i), LogHarness.Indexes(recovered));
        Assert.Equal(new LogMetadata(new EpochVote(3, 1), incarnation, 3), recovered.Metadata);
        Assert.Equal(200, harness.Log.LastIndex);
    }

    [Fact]
    public async Task ReleasedSegmentsThatComeBackAfterAPowerCutChangeNothing()
    {
        var options = new DurableLogOptions { SegmentSize = 4096 };
        var files = new PowerCutFileSystem();
        await using LogHarness harness = await LogHarness.OpenAsync(files, options);
        await harness.Log.AppendVoteAsync(1, 0);
        for (long i = 1; i <= 100; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        await harness.Log.AppendVoteAsync(2, 1);
        await harness.Log.WriteSnapshotAsync(100, 1, new byte[] { 7 });

        // The deletes are not covered by a directory fsync yet: a power cut can undo them.
        files.CutPower(new Random(7), tear: false);
        await harness.RestartAsync();
        Assert.Equal(100, harness.Recovered.Snapshot!.Index);
        Assert.Empty(harness.Recovered.Entries);
        Assert.Equal(new EpochVote(2, 1), harness.Recovered.Metadata.Vote);
    }

    [Fact]
    public async Task ATruncationSurvivesAndLaterEntriesReplaceTheDroppedOnes()
    {
        var options = new DurableLogOptions { SegmentSize = 4096 };
        await using LogHarness harness = await LogHarness.OpenAsync(options: options);
        for (long i = 1; i <= 100; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        await harness.Log.AppendTruncationAsync(30);
        for (long i = 30; i <= 40; i++)
        {
            await harness.Log.AppendEntryAsync(i, 2, LogHarness.Payload(i));
        }

        await harness.Log.WriteSnapshotAsync(35, 2, new byte[] { 3 });
        harness.Files.CutPower(new Random(8), tear: false);
        await harness.RestartAsync();
        Assert.Equal(Enumerable.Range(36, 5).Select(i => (long)i), LogHarness.Indexes(harness.Recovered));
        Assert.All(harness.Recovered.Entries, entry => Assert.Equal(2, entry.Epoch));
    }

    [Fact]
    public async Task ASnapshotWhoseRenameWasLostLeavesTheOlderOneAndItsSegments()
    {
        var files = new PowerCutFileSystem();
        await using LogHarness harness = await LogHarness.OpenAsync(files);
        for (long i = 1; i <= 10; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        await harness.Log.WriteSnapshotAsync(5, 1, new byte[] { 5 });
        files.FailFlushes = true;
        await Assert.ThrowsAsync<DurableLogFaultedException>(
            () => harness.Log.WriteSnapshotAsync(10, 1, new byte[] { 10 }));
        files.FailFlushes = false;
        files.CutPower(new Random(9), tear: false);
        await harness.RestartAsync();
        Assert.Equal(5, harness.Recovered.Snapshot!.Index);
        Assert.Equal(Enumerable.Range(6, 5).Select(i => (long)i), LogHarness.Indexes(harness.Recovered));
    }

    private const int RecordCodec_HeaderSize = RecordCodec.HeaderSize;

    private static byte[] LogRecordBytes(long index)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        RecordCodec.Write(buffer, LogRecord.ForEntry(index, 1, LogHarness.Payload(index)));
        return buffer.WrittenSpan.ToArray();
    }
}
