using System.Diagnostics;
using Orleans.Replication.Client;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// Write batches submitted through the primary's ingress and answered by the replica that holds them, or by the
/// primary.
/// </summary>
[Collection("cluster")]
public sealed class ReplicaAnswersTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly ReadOptions Strong = new() { Consistency = ReadConsistency.Strong };

    [Fact]
    public async Task MajorityWritesAreAnsweredByAReplica_AndAStrongReadRightAfterEachSeesIt()
    {
        const string name = "answers-majority";
        var (group, receiver) = await DirectGroupAsync(name);
        var (byReplica, byPrimary) = (receiver.AnsweredByReplica, receiver.AnsweredByPrimary);

        for (var i = 0; i < 100; i++)
        {
            var written = await group.PutAsync($"k{i % 5}", $"v{i}");
            var read = await group.GetAsync($"k{i % 5}", Strong);
            Assert.Equal($"v{i}", read.ValueAsString);
            Assert.Equal(written.Version, read.Version);
        }

        var together = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => group.PutAsync($"c{i}", $"c{i}")));
        Assert.Equal(200, together.Select(w => w.Version).Distinct().Count());
        for (var i = 0; i < 200; i += 20)
        {
            Assert.Equal($"c{i}", (await group.GetAsync($"c{i}", Strong)).ValueAsString);
        }

        // Every batch was answered once, mostly by the replica that held it.
        var replicaAnswers = receiver.AnsweredByReplica - byReplica;
        var primaryAnswers = receiver.AnsweredByPrimary - byPrimary;
        Assert.True(
            replicaAnswers > primaryAnswers,
            $"{replicaAnswers} batches answered by a replica, {primaryAnswers} by the primary"
        );
        Assert.Equal(0, receiver.Waiting);
    }

    [Fact]
    public async Task BatchesNoReplicaCanAnswerAlone_AreAnsweredByThePrimary()
    {
        const string name = "answers-primary";
        var (group, receiver) = await DirectGroupAsync(name);
        var (byReplica, byPrimary) = (receiver.AnsweredByReplica, receiver.AnsweredByPrimary);

        var all = await group.PutAsync("a", "1", new WriteOptions { Concern = WriteConcern.All });
        var unacknowledged = await group.PutAsync(
            "b",
            "1",
            new WriteOptions { Concern = WriteConcern.WaitForReplicas(0) }
        );
        var swapped = await group.CompareAndSetAsync("a", all.Version, "2");
        var refused = await group.CompareAndSetAsync("a", all.Version, "3");

        Assert.True(unacknowledged.Version > all.Version);
        Assert.True(swapped.Succeeded);
        Assert.False(refused.Succeeded);
        Assert.Equal(swapped.Version, refused.Version);
        Assert.Equal("2", (await group.GetAsync("a", Strong)).ValueAsString);
        Assert.Equal(0, receiver.AnsweredByReplica - byReplica);
        Assert.Equal(4, receiver.AnsweredByPrimary - byPrimary);
    }

    [Fact]
    public async Task AHeldReplica_DoesNotHoldUpMajorityWrites()
    {
        const string name = "answers-held";
        var (group, receiver) = await DirectGroupAsync(name);
        var primary = (await group.GetRouteAsync()).PrimaryIndex;

        // The replica with the lowest index is the first the primary asks to answer.
        var held = Enumerable.Range(0, 3).First(i => i != primary);
        await fixture.Faults(name, held).HoldReplicationAsync();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var watch = Stopwatch.StartNew();
                await group.PutAsync($"h{i}", "1");
                Assert.True(
                    watch.Elapsed < TimeSpan.FromMilliseconds(900),
                    $"write {i} took {watch.Elapsed.TotalMilliseconds:0} ms"
                );
            }
        }
        finally
        {
            await fixture.Faults(name, held).ReleaseReplicationAsync();
        }

        Assert.Equal(0, receiver.Waiting);
        var last = await group.PutAsync("after", "1");
        await Eventually.AppliedEverywhereAsync(group, last.Version, Deadline);
    }

    [Fact]
    public async Task AStrongReadAfterAReplicaAnswered_SeesTheWriteBeforeThePrimaryHeardOfIt()
    {
        const string name = "answers-race";
        var (group, receiver) = await DirectGroupAsync(name);
        var primary = (await group.GetRouteAsync()).PrimaryIndex;
        var replicas = Enumerable.Range(0, 3).Where(i => i != primary).ToArray();

        // The lagging replica takes nothing new but still confirms the primary's leadership to a strong read. Its
        // calls stay out, so the primary asks the other replica to answer (the one with the fewest calls out, ties
        // going to the lowest index).
        var (answering, lagging) = (replicas[0], replicas[1]);
        await fixture.Faults(name, lagging).HoldEntriesAsync();
        try
        {
            await group.PutAsync("race", "old");
            var byReplica = receiver.AnsweredByReplica;

            // The answering replica takes the next write and tells the client, but the primary does not hear of it.
            await fixture.Faults(name, answering).HoldAnswersAsync();
            var written = await group.PutAsync("race", "new");
            Assert.Equal(byReplica + 1, receiver.AnsweredByReplica);

            // The write is acknowledged but not committed on the primary: a strong read must wait for it, not serve
            // "old". Its leadership round is confirmed by the lagging replica alone; the answering one is let through
            // after a while. The wait is bounded, not a condition: a read waiting on the primary shows nothing outside
            // it. Without the wait for the key's write the read comes back with "old" within it, and the assertions
            // below fail.
            var read = group.GetAsync("race", Strong);
            await Task.WhenAny(read, Task.Delay(300));
            await fixture.Faults(name, answering).ReleaseReplicationAsync();
            var result = await read;
            Assert.Equal("new", result.ValueAsString);
            Assert.Equal(written.Version, result.Version);
        }
        finally
        {
            await fixture.Faults(name, answering).ReleaseReplicationAsync();
            await fixture.Faults(name, lagging).ReleaseReplicationAsync();
        }

        var last = await group.PutAsync("after", "1");
        await Eventually.AppliedEverywhereAsync(group, last.Version, Deadline);
    }

    [Fact]
    public async Task StrongReadsOfAKeyWrittenWithoutPause_AreServed()
    {
        const string name = "answers-hot";
        var (group, _) = await DirectGroupAsync(name);

        // Written once before the readers start: a read that came before any writer's first put would find nothing.
        await group.PutAsync("hot", "first");
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                await group.PutAsync("hot", $"{w}-{i++}");
            }
        })).ToArray();
        try
        {
            // Each read waits only for the write of the key the primary held when it came, not for every next one.
            var reads = new ReadOptions { Consistency = ReadConsistency.Strong, Timeout = TimeSpan.FromSeconds(2) };
            for (var i = 0; i < 20; i++)
            {
                var read = await group.GetAsync("hot", reads);
                Assert.True(read.Found);
            }
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(writers).WaitAsync(Deadline);
        }
    }

    /// <summary>
    /// A group whose writes go through the ingress of its primary's silo, and this client's receiver of its answers.
    /// </summary>
    private async Task<(ReplicatedGroup Group, WriteAckReceiver Receiver)> DirectGroupAsync(string name)
    {
        var group = (ReplicatedGroup)fixture.Store.Group(name);
        await group.PutAsync("warm", "up");
        var primary = (await group.GetRouteAsync()).PrimaryIndex;
        await Eventually.WritesGoDirectAsync(group, primary, Deadline);
        await group.PutAsync("warm", "again");
        return (group, group.Receiver());
    }
}
