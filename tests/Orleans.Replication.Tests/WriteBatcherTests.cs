using System.Diagnostics;
using Orleans.Replication.Client;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Tests;

/// <summary>
/// Sending the writes of concurrent callers to the primaries together, against fake nodes whose calls the tests hold
/// open.
/// </summary>
public sealed class WriteBatcherTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ALoneWrite_IsSentAtOnceAsASingleCommandCall()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes);
        var command = Command("a");

        var reply = batcher.SendAsync(2, command);

        await WaitUntil(() => nodes.Calls.Count == 1, "the write is sent");
        var call = Assert.Single(nodes.Calls);
        Assert.False(call.IsBatch);
        Assert.Equal(2, call.NodeIndex);
        Assert.Same(command, Assert.Single(call.Commands));
        Assert.False(reply.IsCompleted);

        call.Answer();

        Assert.Equal(ReplyTo(command), await Within(reply));
    }

    [Fact]
    public async Task WritesSentOneAfterAnother_EachGoOutAlone()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes);

        for (var i = 0; i < 3; i++)
        {
            var command = Command($"w{i}");
            var reply = batcher.SendAsync(0, command);
            await WaitUntil(() => nodes.Calls.Count == i + 1, $"write {i} is sent");
            nodes.Calls[i].Answer();
            Assert.Equal(ReplyTo(command), await Within(reply));
        }

        Assert.All(nodes.Calls, call => Assert.False(call.IsBatch));
    }

    [Fact]
    public async Task WritesArrivingWhileMaxInFlightCallsAreOpen_GoOutTogetherInSubmissionOrder()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 2);
        var first = Command("first");
        var second = Command("second");
        var firstReply = batcher.SendAsync(0, first);
        var secondReply = batcher.SendAsync(0, second);
        await WaitUntil(() => nodes.Calls.Count == 2, "both calls are out");

        var queued = Enumerable.Range(0, 5).Select(i => Command($"queued{i}")).ToArray();
        var queuedReplies = queued.Select(c => batcher.SendAsync(0, c)).ToArray();

        Assert.Equal(2, nodes.Calls.Count);
        Assert.All(queuedReplies, r => Assert.False(r.IsCompleted));

        nodes.Calls[0].Answer();
        await WaitUntil(() => nodes.Calls.Count == 3, "the queued writes are sent");
        var batch = nodes.Calls[2];
        Assert.True(batch.IsBatch);
        Assert.Equal(queued, batch.Commands);
        Assert.Equal(ReplyTo(first), await Within(firstReply));

        nodes.Calls[1].Answer();
        batch.Answer();

        Assert.Equal(ReplyTo(second), await Within(secondReply));
        for (var i = 0; i < queued.Length; i++)
        {
            Assert.Equal(ReplyTo(queued[i]), await Within(queuedReplies[i]));
        }

        Assert.Equal(3, nodes.Calls.Count);
        Assert.Equal(2, nodes.MaxOpen);
    }

    [Fact]
    public async Task WritesIssuedByAnsweredCallers_LeaveInTheNextCall_WithThoseThatWaited()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var first = batcher.SendAsync(0, Command("first"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        var waiting = Command("waiting");
        var waitingReply = batcher.SendAsync(0, waiting);

        // The first write's caller issues its next write as soon as it has its answer, as a writer in a loop does.
        var followUp = Command("follow-up");
        var followUpReply = first
            .ContinueWith(_ => batcher.SendAsync(0, followUp), TaskContinuationOptions.ExecuteSynchronously)
            .Unwrap();

        nodes.Calls[0].Answer();

        await WaitUntil(() => nodes.Calls.Count == 2, "the next call is out");
        Assert.Equal([waiting, followUp], nodes.Calls[1].Commands);
        nodes.Calls[1].Answer();
        Assert.Equal(ReplyTo(waiting), await Within(waitingReply));
        Assert.Equal(ReplyTo(followUp), await Within(followUpReply));
        Assert.Equal(2, nodes.Calls.Count);
    }

    [Fact]
    public async Task ACallerThatBlocksOnAnotherWrite_HoldsItUpOnlyUntilSendPastBlockedCallers_SendsIt()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var first = batcher.SendAsync(0, Command("first"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");

        // The caller waits synchronously, inside its continuation, for a write it issues there: the batcher's only
        // slot is held by the loop that runs that continuation.
        var inner = Command("inner");
        Task<WriteReply>? innerReply = null;
        var blocked = first.ContinueWith(
            _ =>
            {
                innerReply = batcher.SendAsync(0, inner);
                return innerReply.Wait(WaitLimit);
            },
            TaskContinuationOptions.ExecuteSynchronously);
        nodes.Calls[0].Answer();
        await WaitUntil(() => Volatile.Read(ref innerReply) is not null, "the caller issued its write");

        // The first check only notes that no answer was handed over; the write stays queued.
        batcher.SendPastBlockedCallers();
        Assert.Single(nodes.Calls);

        batcher.SendPastBlockedCallers();
        await WaitUntil(() => nodes.Calls.Count == 2, "the write waiting behind the blocked caller is sent");
        Assert.Equal([inner], nodes.Calls[1].Commands);
        nodes.Calls[1].Answer();
        Assert.True(await Within(blocked));
        Assert.Equal(ReplyTo(inner), await Within(innerReply!));

        // With the blocked caller back, the extra loop ended: one call at a time again.
        var replies = new List<Task<WriteReply>>();
        replies.Add(batcher.SendAsync(0, Command("a")));
        await WaitUntil(() => nodes.Calls.Count == 3, "the next write is sent");
        replies.Add(batcher.SendAsync(0, Command("b")));
        Assert.Equal(3, nodes.Calls.Count);
        nodes.Calls[2].Answer();
        await WaitUntil(() => nodes.Calls.Count == 4, "the queued write is sent");
        nodes.Calls[3].Answer();
        await Within(Task.WhenAll(replies));
        Assert.Equal(1, nodes.MaxOpen);
    }

    [Fact]
    public async Task SendPastBlockedCallers_SendsNothingExtra_WhileCallsAreOutAndNoCallerBlocks()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var first = batcher.SendAsync(0, Command("first"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        var queued = batcher.SendAsync(0, Command("queued"));

        // A call out that has not answered (a slow primary) is not a blocked caller: writes wait for its slot.
        batcher.SendPastBlockedCallers();
        batcher.SendPastBlockedCallers();
        Assert.Single(nodes.Calls);

        nodes.Calls[0].Answer();
        await WaitUntil(() => nodes.Calls.Count == 2, "the queued write is sent");
        nodes.Calls[1].Answer();
        await Within(Task.WhenAll(first, queued));
        Assert.Equal(1, nodes.MaxOpen);
    }

    [Fact]
    public async Task EachCaller_GetsTheReplyAtItsOwnPosition()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var holder = batcher.SendAsync(0, Command("holder"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        var replies = Enumerable.Range(0, 4).Select(i => batcher.SendAsync(0, Command($"k{i}"))).ToArray();
        nodes.Calls[0].Answer();
        await WaitUntil(() => nodes.Calls.Count == 2, "the batch is out");

        var answers = Enumerable.Range(0, 4)
            .Select(i => new WriteReply(WriteStatus.Ok, 3, 100 + i, 0, 2, 2, 4, 0, null))
            .ToArray();
        answers[2] = new WriteReply(WriteStatus.VersionMismatch, 3, 0, 41, 0, 2, 4, 0, "mismatch");
        nodes.Calls[1].Answer(answers);

        await Within(holder);
        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Same(answers[i], await Within(replies[i]));
        }
    }

    [Fact]
    public async Task NoMoreThanMaxInFlightCalls_AreEverOpen_WhileCallsAreHeld()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 3);
        var replies = new List<Task<WriteReply>>();
        for (var i = 0; i < 5; i++)
        {
            replies.Add(batcher.SendAsync(0, Command($"a{i}")));
        }

        await WaitUntil(() => nodes.Calls.Count == 3, "three calls are out");
        Assert.Equal(3, nodes.Open);

        // Answer one call at a time, adding writes each time: a new call replaces the answered one, never more.
        for (var round = 0; round < 4; round++)
        {
            var callsBefore = nodes.Calls.Count;
            nodes.Calls.First(c => !c.IsAnswered).Answer();
            await WaitUntil(() => nodes.Calls.Count == callsBefore + 1, $"round {round}'s call is out");
            Assert.Equal(3, nodes.Open);
            for (var i = 0; i < 3; i++)
            {
                replies.Add(batcher.SendAsync(0, Command($"r{round}-{i}")));
            }
        }

        while (!replies.All(r => r.IsCompleted))
        {
            var open = nodes.Calls.FirstOrDefault(c => !c.IsAnswered);
            if (open is null)
            {
                await WaitUntil(
                    () => replies.All(r => r.IsCompleted) || nodes.Calls.Any(c => !c.IsAnswered),
                    "a call or every answer"
                );
                continue;
            }

            open.Answer();
        }

        await Within(Task.WhenAll(replies));
        Assert.Equal(3, nodes.MaxOpen);
        Assert.Equal(replies.Count, nodes.Calls.Sum(c => c.Commands.Count));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task NoMoreThanMaxInFlightCalls_AreEverOpen_UnderConcurrentLoad(int maxInFlight)
    {
        var nodes = new FakeNodes { AnswerAutomatically = true };
        var batcher = NewBatcher(nodes, maxInFlight);
        const int Writers = 8;
        const int WritesEach = 50;

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < WritesEach; i++)
            {
                var command = Command($"w{w}-{i}");
                var reply = await batcher.SendAsync(w % 2, command);
                Assert.Equal(ReplyTo(command), reply);
            }
        })).ToArray();

        await Within(Task.WhenAll(writers));
        Assert.InRange(nodes.MaxOpen, 1, maxInFlight);
        var sent = nodes.Calls.SelectMany(c => c.Commands.Select(command => command.Key)).ToList();
        Assert.Equal(Writers * WritesEach, sent.Count);
        Assert.Equal(sent.Count, sent.Distinct().Count());
    }

    [Fact]
    public async Task AFailedCall_FailsEveryWriteOfItsBatch_AndLaterBatchesStillSucceed()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var first = Command("first");
        var firstReply = batcher.SendAsync(0, first);
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        var failing = new[] { batcher.SendAsync(0, Command("b")), batcher.SendAsync(0, Command("c")) };
        nodes.Calls[0].Answer();
        await WaitUntil(() => nodes.Calls.Count == 2, "the batch that fails is out");
        var later = new[] { Command("d"), Command("e") };
        var laterReplies = later.Select(c => batcher.SendAsync(0, c)).ToArray();
        var error = new InvalidOperationException("the silo went away");

        nodes.Calls[1].Fail(error);

        foreach (var reply in failing)
        {
            Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => Within(reply)));
        }

        await WaitUntil(() => nodes.Calls.Count == 3, "the later batch is out");
        Assert.Equal(later, nodes.Calls[2].Commands);
        nodes.Calls[2].Answer();
        Assert.Equal(ReplyTo(first), await Within(firstReply));
        for (var i = 0; i < later.Length; i++)
        {
            Assert.Equal(ReplyTo(later[i]), await Within(laterReplies[i]));
        }
    }

    [Fact]
    public async Task AFailedSingleWriteCall_FailsThatWrite_AndTheNextWriteStillSucceeds()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var failing = batcher.SendAsync(0, Command("a"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the call is out");
        var error = new InvalidOperationException("boom");

        nodes.Calls[0].Fail(error);

        Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => Within(failing)));
        var next = Command("b");
        var nextReply = batcher.SendAsync(0, next);
        await WaitUntil(() => nodes.Calls.Count == 2, "the next call is out");
        nodes.Calls[1].Answer();
        Assert.Equal(ReplyTo(next), await Within(nextReply));
    }

    [Fact]
    public async Task WritesForDifferentNodes_AreNotMixedInOneCall()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var sends = new List<(int Node, WriteCommand Command, Task<WriteReply> Reply)>();
        void Send(int node, string key)
        {
            var command = Command($"n{node}-{key}");
            sends.Add((node, command, batcher.SendAsync(node, command)));
        }

        Send(0, "a");
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        Send(1, "b");
        Send(1, "c");
        Send(0, "d");
        Send(2, "e");
        Send(2, "f");

        for (var expected = 2; expected <= 4; expected++)
        {
            nodes.Calls[expected - 2].Answer();
            var count = expected;
            await WaitUntil(() => nodes.Calls.Count == count, $"call {count} is out");
        }

        nodes.Calls[3].Answer();
        foreach (var (_, command, reply) in sends)
        {
            Assert.Equal(ReplyTo(command), await Within(reply));
        }

        Assert.Equal(4, nodes.Calls.Count);
        Assert.Equal([0, 1, 0, 2], nodes.Calls.Select(c => c.NodeIndex));
        Assert.Equal(["n0-a"], Keys(nodes.Calls[0]));
        Assert.Equal(["n1-b", "n1-c"], Keys(nodes.Calls[1]));
        Assert.Equal(["n0-d"], Keys(nodes.Calls[2]));
        Assert.Equal(["n2-e", "n2-f"], Keys(nodes.Calls[3]));
        Assert.All(nodes.Calls, call =>
            Assert.All(call.Commands, c => Assert.StartsWith($"n{call.NodeIndex}-", c.Key))
        );
    }

    [Fact]
    public async Task WritesForDifferentNodes_GoOutConcurrently()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 4);
        var commands = Enumerable.Range(0, 3).Select(i => Command($"n{i}")).ToArray();

        var replies = commands.Select((c, i) => batcher.SendAsync(i, c)).ToArray();

        await WaitUntil(() => nodes.Calls.Count == 3, "a call per node is out");
        Assert.Equal([0, 1, 2], nodes.Calls.Select(c => c.NodeIndex).Order());
        Assert.All(nodes.Calls, c => Assert.False(c.IsBatch));
        foreach (var call in nodes.Calls.Reverse())
        {
            call.Answer();
        }

        for (var i = 0; i < commands.Length; i++)
        {
            Assert.Equal(ReplyTo(commands[i]), await Within(replies[i]));
        }
    }

    [Fact]
    public async Task ABatch_TakesNoMoreThanMaxBatchWrites()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1, maxBatch: 2);
        var holder = batcher.SendAsync(0, Command("holder"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        var queued = Enumerable.Range(0, 5).Select(i => Command($"q{i}")).ToArray();
        var replies = queued.Select(c => batcher.SendAsync(0, c)).ToArray();

        for (var expected = 2; expected <= 4; expected++)
        {
            nodes.Calls[expected - 2].Answer();
            var count = expected;
            await WaitUntil(() => nodes.Calls.Count == count, $"call {count} is out");
        }

        nodes.Calls[3].Answer();
        await Within(holder);
        for (var i = 0; i < queued.Length; i++)
        {
            Assert.Equal(ReplyTo(queued[i]), await Within(replies[i]));
        }

        Assert.Equal(queued[0..2], nodes.Calls[1].Commands);
        Assert.Equal(queued[2..4], nodes.Calls[2].Commands);
        Assert.Equal(queued[4..], nodes.Calls[3].Commands);
    }

    [Fact]
    public async Task APrimaryAnsweringFewerWritesThanItWasSent_FailsTheUnansweredOnes()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var holder = batcher.SendAsync(0, Command("holder"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        var queued = Enumerable.Range(0, 3).Select(i => Command($"q{i}")).ToArray();
        var replies = queued.Select(c => batcher.SendAsync(0, c)).ToArray();
        nodes.Calls[0].Answer();
        await WaitUntil(() => nodes.Calls.Count == 2, "the batch is out");

        nodes.Calls[1].Answer([ReplyTo(queued[0]), ReplyTo(queued[1])]);

        await Within(holder);
        Assert.Equal(ReplyTo(queued[0]), await Within(replies[0]));
        Assert.Equal(ReplyTo(queued[1]), await Within(replies[1]));
        await Assert.ThrowsAsync<ReplicationException>(() => Within(replies[2]));
    }

    [Fact]
    public async Task ASingleWriteCallThatNeverAnswers_EndsWithTimeoutException_AfterTheCommandTimeoutAndGrace()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var timeout = TimeSpan.FromMilliseconds(200);
        var watch = Stopwatch.StartNew();

        var reply = batcher.SendAsync(0, Command("lost", timeout));

        await Assert.ThrowsAsync<TimeoutException>(() => Within(reply, TimeSpan.FromSeconds(10)));
        watch.Stop();
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(10));

        // The call's slot is free again: the next write goes out and is answered.
        var next = Command("next");
        var nextReply = batcher.SendAsync(0, next);
        await WaitUntil(() => nodes.Calls.Count == 2, "the next call is out");
        nodes.Calls[1].Answer();
        Assert.Equal(ReplyTo(next), await Within(nextReply));
    }

    [Fact]
    public async Task ABatchCallThatNeverAnswers_EndsWithTimeoutException_AfterTheLongestCommandTimeoutAndGrace()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var holder = batcher.SendAsync(0, Command("holder"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        // Long enough to be sent before their deadlines even on a loaded machine: a write whose deadline passes while
        // it waits for the call slot never leaves (WriteNotSentException), which is not what this test is about.
        var lost = new[]
        {
            batcher.SendAsync(0, Command("short", TimeSpan.FromMilliseconds(500))),
            batcher.SendAsync(0, Command("long", TimeSpan.FromMilliseconds(600))),
        };
        var watch = Stopwatch.StartNew();

        nodes.Calls[0].Answer();
        await Within(holder);

        foreach (var reply in lost)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => Within(reply, TimeSpan.FromSeconds(10)));
        }

        watch.Stop();
        Assert.True(nodes.Calls[1].IsBatch);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ACallThatThrowsBeforeReturningATask_FailsItsWrites_AndTheBatcherKeepsWorking()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        var first = Command("first");
        var firstReply = batcher.SendAsync(0, first);
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");
        var failing = new[] { batcher.SendAsync(0, Command("b")), batcher.SendAsync(0, Command("c")) };
        var error = new InvalidOperationException("thrown before a task was returned");
        nodes.ThrowOnBatch = error;

        nodes.Calls[0].Answer();

        // A grain reference may throw synchronously (the interface's contract does not rule it out): the writes
        // of the answered call must still get their answers, and those of the batch that threw must fail.
        Assert.Equal(ReplyTo(first), await Within(firstReply));
        foreach (var reply in failing)
        {
            Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => Within(reply)));
        }

        nodes.ThrowOnBatch = null;
        var next = Command("next");
        var nextReply = batcher.SendAsync(0, next);
        await WaitUntil(() => nodes.Calls.Count == 2, "the next call is out");
        nodes.Calls[1].Answer();
        Assert.Equal(ReplyTo(next), await Within(nextReply));
    }

    [Fact]
    public async Task AbandoningCallsOut_FailsTheirWritesAsRetryableAndFreesTheSlotsForNewWrites()
    {
        var nodes = new FakeNodes();
        var batcher = NewBatcher(nodes, maxInFlight: 1);
        Assert.Equal(TimeSpan.Zero, batcher.StalledFor());
        var stuck = batcher.SendAsync(0, Command("stuck"));
        await WaitUntil(() => nodes.Calls.Count == 1, "the first call is out");

        // A later write waits behind the only slot, which the stuck call holds.
        var later = Command("later");
        var laterReply = batcher.SendAsync(1, later);
        await WaitUntil(() => batcher.StalledFor() > TimeSpan.FromMilliseconds(30), "the batcher sees the stall");
        Assert.Single(nodes.Calls);

        batcher.AbandonCallsOut();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Within(stuck));
        Assert.Contains("newer epoch", error.Message, StringComparison.Ordinal);
        await WaitUntil(() => nodes.Calls.Count == 2, "the later write is sent once the slot is free");
        Assert.Equal(1, nodes.Calls[1].NodeIndex);
        nodes.Calls[1].Answer();
        Assert.Equal(ReplyTo(later), await Within(laterReply));

        // The stuck call's late answer changes nothing, and with no call out nothing is stalled.
        nodes.Calls[0].Answer();
        Assert.Equal(TimeSpan.Zero, batcher.StalledFor());
    }

    [Fact]
    public void AbandoningWithNoCallOut_DoesNothing()
    {
        var batcher = NewBatcher(new FakeNodes());
        batcher.AbandonCallsOut();
        Assert.Equal(TimeSpan.Zero, batcher.StalledFor());
    }

    [Fact]
    public async Task WithAnIngress_WritesToItsNodeGoThroughIt_WithGroupIndexAndCommands_AndAnswersReachCallersInOrder()
    {
        var nodes = new FakeNodes();
        var ingressCalls = new FakeNodes();
        var ingress = new FakeIngress(ingressCalls);
        var batcher = new WriteBatcher(nodes.Node, TimeProvider.System)
        {
            MaxInFlight = 1,
            Group = "orders",
            Ingress = i => i == 1 ? ingress : null,
        };
        var holder = Command("holder");
        var holderReply = batcher.SendAsync(1, holder);
        await WaitUntil(() => ingressCalls.Calls.Count == 1, "the first write goes to the ingress");
        Assert.Equal(1, ingressCalls.Calls[0].NodeIndex);
        Assert.Equal([holder], ingressCalls.Calls[0].Commands);

        var queued = Enumerable.Range(0, 4).Select(i => Command($"q{i}")).ToArray();
        var replies = queued.Select(c => batcher.SendAsync(1, c)).ToArray();
        ingressCalls.Calls[0].Answer();
        await WaitUntil(() => ingressCalls.Calls.Count == 2, "the batch goes to the ingress");
        var batch = ingressCalls.Calls[1];
        Assert.Equal(1, batch.NodeIndex);
        Assert.Equal(queued, batch.Commands);
        var answers = Enumerable
            .Range(0, 4)
            .Select(i => new WriteReply(WriteStatus.Ok, 3, 100 + i, 0, 2, 2, 4, 0, $"answer {i}"))
            .ToArray();
        batch.Answer(answers);

        Assert.Equal(ReplyTo(holder), await Within(holderReply));
        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Same(answers[i], await Within(replies[i]));
        }

        Assert.Empty(nodes.Calls);
        Assert.Equal(["orders", "orders"], ingress.Groups);

        // A node the ingress is not known for is called directly.
        var other = Command("other");
        var otherReply = batcher.SendAsync(0, other);
        await WaitUntil(() => nodes.Calls.Count == 1, "the write to node 0 goes to the node grain");
        Assert.Equal(0, nodes.Calls[0].NodeIndex);
        nodes.Calls[0].Answer();
        Assert.Equal(ReplyTo(other), await Within(otherReply));
        Assert.Equal(2, ingressCalls.Calls.Count);
    }

    [Fact]
    public async Task AFailedIngressCall_TellsIngressFailedWithThatIngress_AndFailsItsWrites_AndLaterWritesGoToTheNode()
    {
        var nodes = new FakeNodes();
        var ingressCalls = new FakeNodes();
        var ingress = new FakeIngress(ingressCalls);
        IWriteIngress? current = ingress;
        var failed = new List<IWriteIngress>();
        var batcher = new WriteBatcher(nodes.Node, TimeProvider.System)
        {
            MaxInFlight = 1,
            Group = "g",
            Ingress = _ => Volatile.Read(ref current),
            IngressFailed = i =>
            {
                lock (failed)
                {
                    failed.Add(i);
                }

                Volatile.Write(ref current, null);
            },
        };
        var first = Command("first");
        var firstReply = batcher.SendAsync(2, first);
        await WaitUntil(() => ingressCalls.Calls.Count == 1, "the first call is out");
        var failing = new[] { batcher.SendAsync(2, Command("b")), batcher.SendAsync(2, Command("c")) };
        ingressCalls.Calls[0].Answer();
        Assert.Equal(ReplyTo(first), await Within(firstReply));
        await WaitUntil(() => ingressCalls.Calls.Count == 2, "the batch that fails is out");
        lock (failed)
        {
            Assert.Empty(failed);
        }

        var error = new InvalidOperationException("the gateway went away");
        ingressCalls.Calls[1].Fail(error);

        foreach (var reply in failing)
        {
            Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => Within(reply)));
        }

        lock (failed)
        {
            Assert.Same(ingress, Assert.Single(failed));
        }

        var next = Command("next");
        var nextReply = batcher.SendAsync(2, next);
        await WaitUntil(() => nodes.Calls.Count == 1, "the next write goes to the node grain");
        Assert.Equal(2, nodes.Calls[0].NodeIndex);
        nodes.Calls[0].Answer();
        Assert.Equal(ReplyTo(next), await Within(nextReply));
        Assert.Equal(2, ingressCalls.Calls.Count);
    }

    [Fact]
    public async Task AnIngressCallThatNeverAnswers_EndsWithTimeoutException_AndTellsIngressFailed()
    {
        var ingressCalls = new FakeNodes();
        var ingress = new FakeIngress(ingressCalls);
        var failed = new List<IWriteIngress>();
        var batcher = new WriteBatcher(new FakeNodes().Node, TimeProvider.System)
        {
            MaxInFlight = 1,
            Group = "g",
            Ingress = _ => ingress,
            IngressFailed = i =>
            {
                lock (failed)
                {
                    failed.Add(i);
                }
            },
        };

        var reply = batcher.SendAsync(0, Command("lost", TimeSpan.FromMilliseconds(100)));

        await Assert.ThrowsAsync<TimeoutException>(() => Within(reply, TimeSpan.FromSeconds(10)));
        lock (failed)
        {
            Assert.Same(ingress, Assert.Single(failed));
        }
    }

    private static WriteBatcher NewBatcher(FakeNodes nodes, int maxInFlight = 4, int maxBatch = 256) =>
        new(nodes.Node, TimeProvider.System) { MaxInFlight = maxInFlight, MaxBatch = maxBatch };

    private static WriteCommand Command(string key, TimeSpan? timeout = null) =>
        new(key, LogOperation.Put, [1, 2, 3], null, Guid.NewGuid(), WriteConcern.Majority, timeout ?? LongTimeout);

    /// <summary>
    /// The answer the fake nodes give a command by default: it names the command, so a misplaced answer shows.
    /// </summary>
    private static WriteReply ReplyTo(WriteCommand command) => new(WriteStatus.Ok, 1, 0, 0, 1, 1, 2, 0, command.Key);

    private static string[] Keys(Call call) => [.. call.Commands.Select(c => c.Key)];

    /// <summary>Awaits <paramref name="task"/>, failing the test if it has not ended within the limit.</summary>
    private static async Task<T> Within<T>(Task<T> task, TimeSpan? limit = null)
    {
        await Within((Task)task, limit);
        return await task;
    }

    private static async Task Within(Task task, TimeSpan? limit = null)
    {
        using var cancel = new CancellationTokenSource();
        var delay = Task.Delay(limit ?? WaitLimit, cancel.Token);
        if (await Task.WhenAny(task, delay) == delay)
        {
            Assert.Fail($"The task did not end within {(limit ?? WaitLimit).TotalSeconds} s.");
        }

        await cancel.CancelAsync();
        await task;
    }

    /// <summary>
    /// Polls <paramref name="condition"/> every 10 ms, failing the test if it does not hold within the limit.
    /// </summary>
    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > WaitLimit)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Stands in for a group's nodes: records every call and holds it open until the test answers it.
    /// </summary>
    private sealed class FakeNodes
    {
        private readonly Lock _lock = new();
        private readonly List<Call> _calls = [];
        private int _open;
        private int _maxOpen;

        /// <summary>Answers every call with its default replies, shortly after it is made, on another thread.</summary>
        public bool AnswerAutomatically { get; init; }

        /// <summary>
        /// When set, <see cref="IReplicaNodeGrain.WriteBatchAsync"/> throws it instead of returning a task.
        /// </summary>
        public Exception? ThrowOnBatch { get; set; }

        public IReadOnlyList<Call> Calls
        {
            get
            {
                lock (_lock)
                {
                    return [.. _calls];
                }
            }
        }

        /// <summary>Calls made and not yet answered.</summary>
        public int Open
        {
            get
            {
                lock (_lock)
                {
                    return _open;
                }
            }
        }

        /// <summary>The most calls that were open at once.</summary>
        public int MaxOpen
        {
            get
            {
                lock (_lock)
                {
                    return _maxOpen;
                }
            }
        }

        public IReplicaNodeGrain Node(int index) => new FakeNode(this, index);

        public Call Record(int nodeIndex, WriteCommand[] commands, bool isBatch)
        {
            var call = new Call(this, nodeIndex, commands, isBatch);
            lock (_lock)
            {
                _calls.Add(call);
                _open++;
                _maxOpen = Math.Max(_maxOpen, _open);
            }

            if (AnswerAutomatically)
            {
                _ = Task.Run(async () =>
                {
                    await Task.Yield();
                    call.Answer();
                });
            }

            return call;
        }

        public void Closed()
        {
            lock (_lock)
            {
                _open--;
            }
        }
    }

    /// <summary>One call to a fake node, open until answered or failed.</summary>
    private sealed class Call(FakeNodes owner, int nodeIndex, WriteCommand[] commands, bool isBatch)
    {
        private readonly TaskCompletionSource<WriteReply[]> _reply = new(
            TaskCreationOptions.RunContinuationsAsynchronously
        );
        private int _answered;

        public int NodeIndex { get; } = nodeIndex;

        public IReadOnlyList<WriteCommand> Commands { get; } = commands;

        /// <summary>
        /// Whether it came through <see cref="IReplicaNodeGrain.WriteBatchAsync"/> rather than
        /// <see cref="IReplicaNodeGrain.WriteAsync"/>.
        /// </summary>
        public bool IsBatch { get; } = isBatch;

        public bool IsAnswered => Volatile.Read(ref _answered) != 0;

        public Task<WriteReply[]> Reply => _reply.Task;

        public void Answer() => Answer([.. Commands.Select(ReplyTo)]);

        public void Answer(WriteReply[] replies)
        {
            Close();
            _reply.SetResult(replies);
        }

        public void Fail(Exception error)
        {
            Close();
            _reply.SetException(error);
        }

        // Counted closed before the answer is released, so a call the batcher makes in response is never counted twice.
        private void Close()
        {
            if (Interlocked.Exchange(ref _answered, 1) != 0)
            {
                throw new InvalidOperationException("The call was already answered.");
            }

            owner.Closed();
        }
    }

    /// <summary>
    /// Stands in for a silo's write ingress: records each call (with its group) as a call to node index.
    /// </summary>
    private sealed class FakeIngress(FakeNodes calls) : IWriteIngress
    {
        private readonly Lock _lock = new();
        private readonly List<string> _groups = [];

        public IReadOnlyList<string> Groups
        {
            get
            {
                lock (_lock)
                {
                    return [.. _groups];
                }
            }
        }

        public Task SubmitAsync(string group, int index, WriteCommand[] commands, IWriteAcks acks, long batchId) =>
            throw new NotSupportedException();

        public Task<WriteReply[]> WriteBatchAsync(string group, int index, WriteCommand[] commands)
        {
            lock (_lock)
            {
                _groups.Add(group);
            }

            return calls.Record(index, commands, isBatch: true).Reply;
        }
    }

    private sealed class FakeNode(FakeNodes owner, int index) : IReplicaNodeGrain
    {
        public Task<WriteReply> WriteAsync(WriteCommand command) =>
            FirstAsync(owner.Record(index, [command], isBatch: false).Reply);

        public Task<WriteReply[]> WriteBatchAsync(WriteCommand[] commands)
        {
            if (owner.ThrowOnBatch is { } error)
            {
                throw error;
            }

            return owner.Record(index, commands, isBatch: true).Reply;
        }

        public Task<ReadReply> ReadAsync(ReadRequest request) => throw new NotSupportedException();

        public Task SubmitAsync(WriteCommand[] commands, IWriteAcks acks, long batchId) =>
            throw new NotSupportedException();

        public Task<AppendResponse> AppendAsync(AppendRequest request) => throw new NotSupportedException();

        public Task<AppendResponse> InstallSnapshotAsync(SnapshotChunk chunk) => throw new NotSupportedException();

        public Task<NodeStatus> AssignAsync(NodeAssignment assignment) => throw new NotSupportedException();

        public Task<NodeStatus> BeginEpochAsync(long epoch, int nodeCount) => throw new NotSupportedException();

        public Task<bool> AddLearnerAsync(int learner, long epoch) => throw new NotSupportedException();

        public Task<NodeStatus> ResetAsync(long epoch) => throw new NotSupportedException();

        public Task<bool> HandOverAsync(int target, TimeSpan timeout) => throw new NotSupportedException();

        public Task RelocateAsync(Orleans.Runtime.SiloAddress target) => throw new NotSupportedException();

        public Task<ScanPage> ScanAsync(string? afterKey, int maxItems) => throw new NotSupportedException();

        public Task<NodeStatus> GetStatusAsync() => throw new NotSupportedException();

        public Task<WriteIngressAddress?> GetWriteIngressAsync() => Task.FromResult<WriteIngressAddress?>(null);

        private static async Task<WriteReply> FirstAsync(Task<WriteReply[]> replies) => (await replies)[0];
    }
}
