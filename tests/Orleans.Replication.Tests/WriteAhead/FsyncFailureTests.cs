using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public class FsyncFailureTests
{
    [Fact]
    public async Task AFailedFsyncFaultsTheLogForGood()
    {
        var files = new PowerCutFileSystem();
        await using LogHarness harness = await LogHarness.OpenAsync(files);
        await harness.Log.AppendEntryAsync(1, 1, new byte[] { 1 });

        files.FailFlushes = true;
        await Assert.ThrowsAsync<DurableLogFaultedException>(
            () => harness.Log.AppendEntryAsync(2, 1, new byte[] { 2 }).AsTask());
        Assert.NotNull(harness.Log.Fault);

        // The disk "recovers", but the log never carries on: the page cache may have dropped entry 2.
        files.FailFlushes = false;
        await Assert.ThrowsAsync<DurableLogFaultedException>(
            () => harness.Log.AppendEntryAsync(3, 1, new byte[] { 3 }).AsTask());
        await Assert.ThrowsAsync<DurableLogFaultedException>(() => harness.Log.AppendVoteAsync(2, 0).AsTask());
        await Assert.ThrowsAsync<DurableLogFaultedException>(
            () => harness.Log.WriteSnapshotAsync(1, 1, new byte[] { 0 }));
    }

    [Fact]
    public async Task AFailedFsyncInBufferedModeFaultsTheLogToo()
    {
        var files = new PowerCutFileSystem();
        var options = new DurableLogOptions
        {
            SyncMode = LogSyncMode.Buffered,
            BufferedFlushInterval = TimeSpan.FromMilliseconds(20),
        };
        await using LogHarness harness = await LogHarness.OpenAsync(files, options);
        files.FailFlushes = true;
        await harness.Log.AppendEntryAsync(1, 1, new byte[] { 1 });

        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (harness.Log.Fault is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.NotNull(harness.Log.Fault);
        await Assert.ThrowsAsync<DurableLogFaultedException>(
            () => harness.Log.AppendEntryAsync(2, 1, new byte[] { 2 }).AsTask());
    }

    [Fact]
    public async Task AnFsyncThatFailsAtASegmentRollFailsEverythingQueuedBehindIt()
    {
        // One round holds a record that fills the segment (its roll fsyncs, and that one fsync fails), a snapshot and
        // another record: none of them may succeed or hang, although the fsyncs after the failed one would succeed.
        var files = new PowerCutFileSystem();
        var options = new DurableLogOptions { SegmentSize = 4096 };
        await using LogHarness harness = await LogHarness.OpenAsync(files, options);
        using var hold = new ManualResetEventSlim(false);
        files.HoldFileFlushes = hold;
        Task first = harness.Log.AppendEntryAsync(1, 1, new byte[] { 1 }).AsTask();
        Assert.True(await files.FileFlushStarted.WaitAsync(TimeSpan.FromSeconds(10)), "the first fsync never started");

        Task filling = harness.Log.AppendEntryAsync(2, 1, new byte[5000]).AsTask();
        Task snapshot = harness.Log.WriteSnapshotAsync(2, 1, new byte[] { 7 });
        Task after = harness.Log.AppendEntryAsync(3, 1, new byte[] { 3 }).AsTask();
        files.FailingFlush = 1;
        hold.Set();

        await first.WaitAsync(TimeSpan.FromSeconds(10));
        foreach (Task task in new[] { filling, snapshot, after })
        {
            await Assert.ThrowsAsync<DurableLogFaultedException>(() => task.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.False(files.FileExists(System.IO.Path.Combine(harness.Log.Directory, SnapshotFile.FileName)));
    }
}
