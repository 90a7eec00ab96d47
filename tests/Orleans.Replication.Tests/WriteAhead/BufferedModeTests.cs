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

    private static DurableLogOptions Buffered(TimeSpan interval) =>
        new() { SyncMode = LogSyncMode.Buffered, BufferedFlushInterval = interval };
}
