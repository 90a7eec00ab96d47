using Microsoft.Extensions.Time.Testing;
using Orleans.Replication.Client;

namespace Orleans.Replication.Tests;

/// <summary>Writes waiting for a primary: order, limit, deadline.</summary>
public sealed class PrimaryWaitQueueTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task ReleasedWritesGoInTheOrderTheyCame()
    {
        var queue = new PrimaryWaitQueue("g", 10, _time);
        var sent = new List<int>();
        async Task WriteAsync(int n)
        {
            // The release action hands the write to the sender; the caller's continuation may run anywhere, later.
            Assert.True(await queue.WaitAsync(TimeSpan.FromSeconds(5), () => sent.Add(n), CancellationToken.None));
        }

        var writes = Enumerable.Range(0, 8).Select(WriteAsync).ToArray();
        Assert.Equal(8, queue.Count);
        Assert.Empty(sent);

        queue.Release();
        await Task.WhenAll(writes);

        Assert.Equal(Enumerable.Range(0, 8), sent);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task AWriteBeyondTheLimitIsRefusedAtOnceAndTheOthersStay()
    {
        var queue = new PrimaryWaitQueue("orders", 2, _time);
        var a = queue.WaitAsync(TimeSpan.FromSeconds(5), null, CancellationToken.None);
        var b = queue.WaitAsync(TimeSpan.FromSeconds(5), null, CancellationToken.None);

        var e = Assert.Throws<QueueFullException>(() =>
        {
            _ = queue.WaitAsync(TimeSpan.FromSeconds(5), null, CancellationToken.None);
        });

        Assert.Equal("orders", e.Group);
        Assert.Equal(2, e.Capacity);
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, queue.Count);
        queue.Release();
        Assert.True(await a);
        Assert.True(await b);
    }

    [Fact]
    public async Task AFailingReleaseActionFailsOnlyItsOwnWrite()
    {
        var queue = new PrimaryWaitQueue("g", 10, _time);
        var bad = queue.WaitAsync(
            TimeSpan.FromSeconds(5),
            () => throw new ArgumentException("bad concern"),
            CancellationToken.None
        );
        var good = queue.WaitAsync(TimeSpan.FromSeconds(5), null, CancellationToken.None);

        queue.Release();

        await Assert.ThrowsAsync<ArgumentException>(() => bad);
        Assert.True(await good);
    }

    [Fact]
    public void AZeroLimitQueuesNothing()
    {
        var queue = new PrimaryWaitQueue("g", 0, _time);

        Assert.Throws<QueueFullException>(() =>
        {
            _ = queue.WaitAsync(TimeSpan.FromSeconds(1), null, CancellationToken.None);
        });
    }

    [Fact]
    public async Task AWriteWhoseDeadlinePassesLeavesTheQueueUnreleased()
    {
        var queue = new PrimaryWaitQueue("g", 10, _time);
        var early = queue.WaitAsync(TimeSpan.FromSeconds(1), null, CancellationToken.None);
        var late = queue.WaitAsync(TimeSpan.FromSeconds(3), null, CancellationToken.None);

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(early.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.False(await early);
        Assert.Equal(1, queue.Count);
        Assert.False(late.IsCompleted);
        queue.Release();
        Assert.True(await late);
    }

    [Fact]
    public async Task ACancelledWriteLeavesTheQueue()
    {
        var queue = new PrimaryWaitQueue("g", 10, _time);
        using var cts = new CancellationTokenSource();
        var wait = queue.WaitAsync(TimeSpan.FromSeconds(5), null, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.Equal(0, queue.Count);
    }
}
