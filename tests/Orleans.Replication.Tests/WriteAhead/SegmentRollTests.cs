using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public class SegmentRollTests
{
    [Fact]
    public async Task ASegmentIsClosedOncePastTheSizeLimitAndRecoveryReadsThemAllInOrder()
    {
        var options = new DurableLogOptions { SegmentSize = 4096 };
        await using LogHarness harness = await LogHarness.OpenAsync(options: options);
        for (long i = 1; i <= 300; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        string[] segments = harness.Segments();
        Assert.True(segments.Length > 5, $"{segments.Length} segments");
        foreach (string name in segments[..^1])
        {
            long length = harness.Files.ReadAllBytes(Path.Combine(LogHarness.Directory, name)).Length;

            // One append is one batch here, so a closed segment overshoots the limit by at most one record.
            Assert.InRange(length, options.SegmentSize, options.SegmentSize + 400);
        }

        harness.Files.CutPower(new Random(10), tear: false);
        await harness.RestartAsync();
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), LogHarness.Indexes(harness.Recovered));
        await harness.Log.AppendEntryAsync(301, 1, LogHarness.Payload(301));
    }

    [Fact]
    public async Task BadOptionsAreRefusedBeforeAnythingIsOpened()
    {
        var files = new PowerCutFileSystem();
        await using var writer = new DiskWriter(files, TimeProvider.System);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => writer.OpenAsync("/wal/x", new DurableLogOptions { SegmentSize = 10 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => writer.OpenAsync("/wal/x", new DurableLogOptions { BufferedFlushInterval = TimeSpan.Zero }));
        Assert.False(files.DirectoryExists("/wal/x"));
    }
}
