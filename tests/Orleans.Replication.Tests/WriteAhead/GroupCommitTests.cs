using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public class GroupCommitTests
{
    [Fact]
    public async Task AppendsQueuedDuringAnFsyncShareTheNextOne()
    {
        var files = new PowerCutFileSystem();
        await using LogHarness harness = await LogHarness.OpenAsync(files);
        using var hold = new ManualResetEventSlim(false);
        files.HoldFileFlushes = hold;

        ValueTask first = harness.Log.AppendEntryAsync(1, 1, LogHarness.Payload(1));
        Assert.True(await files.FileFlushStarted.WaitAsync(TimeSpan.FromSeconds(10)), "the first fsync never started");
        var rest = new List<Task>();
        for (long i = 2; i <= 50; i++)
        {
            rest.Add(harness.Log.AppendEntryAsync(i, 1, LogHarness.Payload(i)).AsTask());
        }

        Assert.False(first.IsCompleted, "an append completed before its fsync returned");
        hold.Set();
        await first;
        await Task.WhenAll(rest).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, files.FileFlushes);
    }

    [Fact]
    public async Task ConcurrentAppendersNeedFewerFsyncsThanAppends()
    {
        var files = new PowerCutFileSystem();
        await using LogHarness harness = await LogHarness.OpenAsync(files);
        const int Appenders = 16;
        const int PerAppender = 50;
        long next = 0;
        var gate = new object();

        async Task AppendManyAsync()
        {
            for (int i = 0; i < PerAppender; i++)
            {
                ValueTask append;
                lock (gate)
                {
                    // Indexes must grow in call order, so taking one and appending it happen together.
                    next++;
                    append = harness.Log.AppendEntryAsync(next, 1, LogHarness.Payload(next));
                }

                await append;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Appenders).Select(_ => Task.Run(AppendManyAsync)))
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(files.FileFlushes < Appenders * PerAppender,
            $"{files.FileFlushes} fsyncs for {Appenders * PerAppender} appends");
        files.CutPower(new Random(2), tear: true);
        await harness.RestartAsync();
        Assert.Equal(Enumerable.Range(1, Appenders * PerAppender).Select(i => (long)i),
            LogHarness.Indexes(harness.Recovered));
    }

    [Fact]
    public async Task ManyLogsOnOneWriterEachGetTheirOwnFsyncPerRound()
    {
        var files = new PowerCutFileSystem();
        var writer = new DiskWriter(files, TimeProvider.System);
        var logs = new List<DurableLog>();
        for (int n = 0; n < 4; n++)
        {
            (DurableLog log, _) = await writer.OpenAsync($"/wal/g/{n}", new DurableLogOptions());
            logs.Add(log);
        }

        using var hold = new ManualResetEventSlim(false);
        files.HoldFileFlushes = hold;
        Task first = logs[0].AppendEntryAsync(1, 1, new byte[] { 1 }).AsTask();
        Assert.True(await files.FileFlushStarted.WaitAsync(TimeSpan.FromSeconds(10)), "no fsync started");
        int before = files.FileFlushes;
        var appends = new List<Task>();
        for (long i = 1; i <= 20; i++)
        {
            foreach (DurableLog log in logs)
            {
                if (log != logs[0] || i > 1)
                {
                    appends.Add(log.AppendEntryAsync(i, 1, new byte[] { (byte)i }).AsTask());
                }
            }
        }

        hold.Set();
        await Task.WhenAll(appends.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(files.FileFlushes - before <= 1 + logs.Count,
            $"{files.FileFlushes - before} fsyncs for {appends.Count + 1} appends over {logs.Count} logs");
        await writer.DisposeAsync();
    }
}
