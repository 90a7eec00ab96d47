using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public class BufferedModeTests
{
    [Fact]
    public async Task BufferedAppendsSurviveAProcessCrash()
    {
        var files = new PowerCutFileSystem();
        var options = Buffered(TimeSpan.FromHours(1));
        await using LogHarness harness = await LogHarness.OpenAsync(files, options);
        for (long i = 1; i <= 100; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        Assert.Equal(0, files.FileFlushes);
        files.Crash();
        await harness.RestartAsync();
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), LogHarness.Indexes(harness.Recovered));
    }

    [Fact]
    public async Task BufferedAppendsNeedNotSurviveAPowerCut()
    {
        var files = new PowerCutFileSystem();
        var options = Buffered(TimeSpan.FromHours(1));
        await using LogHarness harness = await LogHarness.OpenAsync(files, options);
        for (long i = 1; i <= 100; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        files.CutPower(new Random(3), tear: false);
        await harness.RestartAsync();
        Assert.Empty(harness.Recovered.Entries);
    }

    [Fact]
    public async Task BufferedLogsAreFsyncedWithinTheInterval()
    {
        var files = new PowerCutFileSystem();
        var options = Buffered(TimeSpan.FromMilliseconds(100));
        await using LogHarness harness = await LogHarness.OpenAsync(files, options);
        await harness.Log.AppendEntryAsync(1, 1, new byte[] { 1 });

        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (files.FileFlushes == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.True(files.FileFlushes > 0, "a buffered record was not fsynced within 10 s");
        files.CutPower(new Random(4), tear: false);
        await harness.RestartAsync();
        Assert.Equal([1L], LogHarness.Indexes(harness.Recovered));
    }

    [Fact]
    public async Task ASyncAskedForMakesEverythingBeforeItSurviveAPowerCut()
    {
        var files = new PowerCutFileSystem();
        await using LogHarness harness = await LogHarness.OpenAsync(files, Buffered(TimeSpan.FromHours(1)));
        for (long i = 1; i <= 50; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        Assert.Equal(0, files.FileFlushes);
        await harness.Log.SyncAsync();
        Assert.Equal(1, files.FileFlushes);
        for (long i = 51; i <= 60; i++)
        {
            await harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i));
        }

        files.CutPower(new Random(5), tear: false);
        await harness.RestartAsync();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), LogHarness.Indexes(harness.Recovered));
    }

    [Fact]
    public async Task ASyncWithNothingUnsyncedCompletesWithoutAnFsync()
    {
        var files = new PowerCutFileSystem();
        await using LogHarness harness = await LogHarness.OpenAsync(files, Buffered(TimeSpan.FromHours(1)));
        await harness.Log.SyncAsync();
        await harness.Log.AppendEntryAsync(1, 1, new byte[] { 1 });
        await harness.Log.SyncAsync();
        await harness.Log.SyncAsync();
        Assert.Equal(1, files.FileFlushes);
    }

    [Fact]
    public async Task TheNodesStandingIsFsyncedBeforeItCompletesEvenWhenBuffered()
    {
        var files = new PowerCutFileSystem();
        await using LogHarness harness = await LogHarness.OpenAsync(files, Buffered(TimeSpan.FromHours(1)));
        var incarnation = Guid.NewGuid();
        await harness.Log.AppendEntryAsync(1, 1, new byte[] { 1 });
        await harness.Log.AppendIncarnationAsync(incarnation);
        await harness.Log.AppendVoteAsync(4, 2);
        await harness.Log.AppendMembershipAsync(3);
        await harness.Log.AppendCaughtUpAsync(incarnation);
        await harness.Log.AppendEntryAsync(2, 4, new byte[] { 2 });

        files.CutPower(new Random(6), tear: false);
        await harness.RestartAsync();
        Assert.Equal(new LogMetadata(new EpochVote(4, 2), incarnation, 3, incarnation), harness.Recovered.Metadata);
        Assert.Equal([1L], LogHarness.Indexes(harness.Recovered)); // the entry before the standing went with it
    }

    [Fact]
    public async Task ASyncOnAFailedLogFails()
    {
        var files = new PowerCutFileSystem { FailFlushes = true };
        await using LogHarness harness = await LogHarness.OpenAsync(files, Buffered(TimeSpan.FromHours(1)));
        await harness.Log.AppendEntryAsync(1, 1, new byte[] { 1 });
        await Assert.ThrowsAsync<DurableLogFaultedException>(() => harness.Log.SyncAsync().AsTask());
        await Assert.ThrowsAsync<DurableLogFaultedException>(() => harness.Log.SyncAsync().AsTask());
    }

    private static DurableLogOptions Buffered(TimeSpan interval) =>
        new() { SyncMode = LogSyncMode.Buffered, BufferedFlushInterval = interval };
}
