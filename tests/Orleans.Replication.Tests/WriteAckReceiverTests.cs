using Microsoft.Extensions.Time.Testing;
using Orleans.Replication.Client;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Tests;

/// <summary>
/// The client's receiver of write answers: a replica's notice or the primary's answers end a batch submitted one-way.
/// </summary>
public sealed class WriteAckReceiverTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AReplicasNotice_AnswersEachWriteOfTheBatch_WithConsecutiveIndexesOfItsEpoch()
    {
        var (receiver, ingress) = NewReceiver();
        var answers = receiver.SubmitAsync(
            ingress,
            "g",
            1,
            [Command("a"), Command("b"), Command("c")],
            Wait,
            TimeProvider.System
        );
        var (group, node, batch, sent) = Assert.Single(ingress.Submitted);
        Assert.Equal(("g", 1, 3), (group, node, sent.Length));

        await receiver.HeldAsync(batch, epoch: 4, firstIndex: 10, count: 3, replicas: 2);

        var replies = await answers;
        Assert.Equal([10L, 11L, 12L], replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal((WriteStatus.Ok, 4L, 2), (r.Status, r.Epoch, r.Replicas)));
        Assert.Equal((1L, 0L, 0), (receiver.AnsweredByReplica, receiver.AnsweredByPrimary, receiver.Waiting));
    }

    [Fact]
    public async Task NoticesForAnotherBatchOrCount_AreIgnored_AndTheFirstAnswerCounts()
    {
        var (receiver, ingress) = NewReceiver();
        var answers = receiver.SubmitAsync(ingress, "g", 0, [Command("a"), Command("b")], Wait, TimeProvider.System);
        var batch = Assert.Single(ingress.Submitted).BatchId;

        await receiver.HeldAsync(batch + 1, 1, 5, 2, 2);
        await receiver.HeldAsync(batch, 1, 5, 3, 2);
        await receiver.AnsweredAsync(batch, [Reply(7)]);
        Assert.False(answers.IsCompleted);

        var primary = new[] { Reply(7), new WriteReply(WriteStatus.Invalid, 1, 0, 0, 0, 0, 2, 0, "bad") };
        await receiver.AnsweredAsync(batch, primary);
        await receiver.HeldAsync(batch, 1, 5, 2, 2);

        Assert.Same(primary, await answers);
        Assert.Equal((0L, 1L, 0), (receiver.AnsweredByReplica, receiver.AnsweredByPrimary, receiver.Waiting));
    }

    [Fact]
    public async Task ABatchNobodyAnswers_FailsAtItsDeadline_AndIsForgotten()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (receiver, ingress) = NewReceiver();
        var answers = receiver.SubmitAsync(ingress, "g", 0, [Command("a")], TimeSpan.FromSeconds(1), time);
        var batch = Assert.Single(ingress.Submitted).BatchId;
        Assert.Equal(1, receiver.Waiting);

        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => answers);
        Assert.Equal(0, receiver.Waiting);

        // A late answer changes nothing.
        await receiver.HeldAsync(batch, 1, 1, 1, 2);
        Assert.Equal(0L, receiver.AnsweredByReplica);
    }

    [Fact]
    public async Task EachBatchHasItsOwnId()
    {
        var (receiver, ingress) = NewReceiver();
        var first = receiver.SubmitAsync(ingress, "g", 0, [Command("a")], Wait, TimeProvider.System);
        var second = receiver.SubmitAsync(ingress, "g", 0, [Command("b")], Wait, TimeProvider.System);
        var ids = ingress.Submitted.Select(s => s.BatchId).ToArray();
        Assert.Equal(2, ids.Distinct().Count());

        await receiver.HeldAsync(ids[1], 1, 8, 1, 2);
        Assert.Equal(8, (await second)[0].Index);
        Assert.False(first.IsCompleted);
        await receiver.HeldAsync(ids[0], 1, 7, 1, 2);
        Assert.Equal(7, (await first)[0].Index);
    }

    private static (WriteAckReceiver Receiver, RecordingIngress Ingress) NewReceiver()
    {
        var receiver = new WriteAckReceiver();
        receiver.Reference = receiver;
        return (receiver, new RecordingIngress());
    }

    private static WriteCommand Command(string key) =>
        new(key, LogOperation.Put, [1], null, Guid.NewGuid(), WriteConcern.Majority, TimeSpan.FromSeconds(5));

    private static WriteReply Reply(long index) => new(WriteStatus.Ok, 1, index, 0, 1, 1, 2, 0, null);

    private sealed class RecordingIngress : IWriteIngress
    {
        public List<(string Group, int Node, long BatchId, WriteCommand[] Commands)> Submitted { get; } = [];

        public Task SubmitAsync(string group, int index, WriteCommand[] commands, IWriteAcks acks, long batchId)
        {
            Submitted.Add((group, index, batchId, commands));
            return Task.CompletedTask;
        }

        public Task<WriteReply[]> WriteBatchAsync(string group, int index, WriteCommand[] commands) =>
            throw new NotSupportedException();
    }
}
