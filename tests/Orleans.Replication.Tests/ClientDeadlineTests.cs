using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Orleans.CodeGeneration;
using Orleans.Replication.Client;
using Orleans.Replication.LoadBalancing;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Tests;

/// <summary>
/// Client operations end at their deadline, and find a new primary without depending on the coordinator alone.
/// </summary>
public sealed class ClientDeadlineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Longer than any test waits: a lookup bounded only by it would make the test fail.</summary>
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static readonly GroupRoute Epoch1 = new("g", 1, 0, 3);

    [Fact]
    public async Task AWriteWhoseRouteComesAfterItsDeadline_IsNeverSent_AndFailsAsNothingWritten()
    {
        // The coordinator answers only after the write's deadline, as a slow one did when a write went out with
        // a negative timeout; the nodes do not answer either.
        var cluster = new FakeGroup { Route = _ => Answer(Epoch1, after: TimeSpan.FromMilliseconds(800)) };
        var group = cluster.Group(new ReplicationClientOptions { DefaultReadTimeout = Long, AttemptTimeout = Long });
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<NoPrimaryException>(() =>
            group.PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromMilliseconds(300) })
        );

        Assert.True(
            watch.Elapsed < TimeSpan.FromSeconds(2),
            $"the write ended after {watch.Elapsed}, not at its 300 ms deadline"
        );
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
        Assert.Empty(cluster.Sent);
    }

    [Fact]
    public async Task NoWriteLeavesWithANonPositiveTimeout_WhenItsRouteArrivesJustBeforeItsDeadline()
    {
        // Many writes whose route comes at about their deadline: each is either sent with time left or not at all.
        var cluster = new FakeGroup { Route = _ => Answer(Epoch1, after: TimeSpan.FromMilliseconds(190)) };
        var group = cluster.Group(new ReplicationClientOptions { DefaultReadTimeout = Long, AttemptTimeout = Long });
        var writes = Enumerable
            .Range(0, 40)
            .Select(i => group.PutAsync($"k{i}", [1], new WriteOptions { Timeout = TimeSpan.FromMilliseconds(200) }));

        var outcomes = await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                await w;
                return null;
            }
            catch (Exception e)
            {
                return e;
            }
        })).WaitAsync(Limit);

        Assert.All(cluster.Sent, s =>
            Assert.True(s.Command.Timeout > TimeSpan.Zero, $"a write left with timeout {s.Command.Timeout}")
        );
        Assert.All(outcomes.OfType<Exception>(), e =>
            Assert.True(e is NoPrimaryException or WriteOutcomeUnknownException, $"a write failed with {e}")
        );
    }

    [Fact]
    public async Task ALookupOnAHungCoordinator_IsBoundedByTheAttemptTimeout_AndAskedAgain()
    {
        // The first lookup hangs for good (its silo froze); the second is answered.
        var cluster = new FakeGroup { Route = call => call == 1 ? Hang<GroupRoute>() : Task.FromResult(Epoch1) };
        var group = cluster.Group(
            new ReplicationClientOptions { DefaultReadTimeout = Long, AttemptTimeout = TimeSpan.FromMilliseconds(200) }
        );
        var watch = Stopwatch.StartNew();

        var result = await group
            .PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromSeconds(5) })
            .WaitAsync(Limit);

        Assert.True(
            watch.Elapsed < TimeSpan.FromSeconds(2),
            $"the write took {watch.Elapsed}: the hung lookup was not given up after its attempt"
        );
        Assert.Equal(1, result.Epoch);
        Assert.True(cluster.RouteCalls >= 2, $"the coordinator was asked {cluster.RouteCalls} times");
    }

    [Fact]
    public async Task AReadOnAHungCoordinator_EndsAtItsDeadline_WithNoAvailableNode()
    {
        var cluster = new FakeGroup { Route = _ => Hang<GroupRoute>() };
        var group = cluster.Group(new ReplicationClientOptions { DefaultReadTimeout = Long, AttemptTimeout = Long });
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAsync<NoAvailableNodeException>(() =>
            group.GetAsync("k", new ReadOptions { Timeout = TimeSpan.FromMilliseconds(300) })
        );

        Assert.True(
            watch.Elapsed < TimeSpan.FromSeconds(2),
            $"the read ended after {watch.Elapsed}, not at its 300 ms deadline"
        );
    }

    [Fact]
    public async Task ARouteChangeIsLoggedAtInformation_AndARetryAtDebug_ButNotASuccessfulOperation()
    {
        var logger = new ListLogger();
        var cluster = new FakeGroup
        {
            Route = call => Task.FromResult(call == 1 ? Epoch1 : new GroupRoute("g", 2, 1, 3)),
            Write = (node, c) => Task.FromResult(node == 0
                ? new WriteReply(WriteStatus.NotPrimary, 1, 0, 0, 0, 0, 2, -1, "not the primary")
                : new WriteReply(WriteStatus.Ok, 2, 1, 0, 1, 1, 2, node, null)),
        };
        var group = cluster.Group(
            new ReplicationClientOptions { DefaultReadTimeout = Long, AttemptTimeout = Long },
            logger: logger
        );
        await group.GetRouteAsync().WaitAsync(Limit);
        var before = logger.Entries.Count;

        await group.PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromSeconds(5) }).WaitAsync(Limit);
        var afterRetry = logger.Entries.ToArray();
        await group.PutAsync("k2", [1], new WriteOptions { Timeout = TimeSpan.FromSeconds(5) }).WaitAsync(Limit);

        Assert.Contains(afterRetry, e =>
            e.Level == LogLevel.Information && e.Message.Contains("epoch 2, primary 1", StringComparison.Ordinal)
        );
        Assert.Contains(afterRetry, e =>
            e.Level == LogLevel.Debug && e.Message.Contains("tried again", StringComparison.Ordinal)
        );
        Assert.True(afterRetry.Length > before, "nothing was logged for the retry and the route change");
        Assert.Equal(afterRetry.Length, logger.Entries.Count);
    }

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        ) => Entries.Enqueue((logLevel, formatter(state, exception)));
    }

    public static TheoryData<string> FallbackFailures =>
        ["timeout thrown", "orleans error thrown", "bug thrown", "bug returned"];

    [Theory]
    [MemberData(nameof(FallbackFailures))]
    public async Task ARouteRefreshWhoseFallbackToTheNodesFails_StaysInsideTheReadsRetries_AndEndsAtItsDeadline(
        string failure
    )
    {
        // The route is known; then the primary stops answering reads and the coordinator fails, so each retry of the
        // read refreshes its route from inside the lookup's catch, by asking the nodes, whose calls fail as given. A
        // call that cannot even be made (it throws instead of returning a failed task) once escaped the retries at
        // once.
        var cluster = new FakeGroup
        {
            Route = call =>
                call == 1
                    ? Task.FromResult(Epoch1)
                    : Task.FromException<GroupRoute>(new TimeoutException("coordinator unreachable")),
            Status = _ =>
                failure switch
                {
                    "timeout thrown" => throw new TimeoutException("node unreachable"),
                    "orleans error thrown" => throw new OrleansException("no gateway"),
                    "bug thrown" => throw new InvalidOperationException("the node call could not be made"),
                    _ => Task.FromException<NodeStatus>(new InvalidOperationException("the node call failed")),
                },
        };
        var group = cluster.Group(
            new ReplicationClientOptions { DefaultReadTimeout = Long, AttemptTimeout = TimeSpan.FromMilliseconds(100) }
        );
        await group.GetRouteAsync().WaitAsync(Limit);
        var watch = Stopwatch.StartNew();

        var e = await Record.ExceptionAsync(() =>
            group.GetAsync("k", new ReadOptions { Timeout = TimeSpan.FromSeconds(1) }).WaitAsync(Limit)
        );

        Assert.True(
            e is NoAvailableNodeException,
            $"the read ended with {e?.GetType().Name ?? "no exception"} after {watch.Elapsed}: {e}"
        );
        Assert.True(
            watch.Elapsed >= TimeSpan.FromMilliseconds(900),
            $"the read gave up after {watch.Elapsed}, before its 1 s deadline"
        );
        Assert.True(
            watch.Elapsed < TimeSpan.FromSeconds(4),
            $"the read ended after {watch.Elapsed}, not at its 1 s deadline"
        );
        Assert.True(
            cluster.RouteCalls >= 2,
            $"the coordinator was asked {cluster.RouteCalls} times and the primary {cluster.ReadFailures}: the " +
            "read's retries stopped"
        );
    }

    [Fact]
    public async Task AWriteRetriedAfterItsPrimarySteppedDown_EndsAtItsDeadline_AsOutcomeUnknown()
    {
        // The route is known; the primary is deposed while the write waits; the coordinator then hangs.
        var cluster = new FakeGroup
        {
            Route = call => call == 1 ? Task.FromResult(Epoch1) : Hang<GroupRoute>(),
            Write = (_, c) => Task.FromResult(new WriteReply(WriteStatus.SteppedDown, 1, 7, 0, 0, 1, 2, 0, "deposed")),
        };
        var group = cluster.Group(new ReplicationClientOptions { DefaultReadTimeout = Long, AttemptTimeout = Long });
        await group.GetRouteAsync().WaitAsync(Limit);
        var id = Guid.NewGuid();
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<WriteOutcomeUnknownException>(() =>
            group.PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromMilliseconds(300), WriteId = id })
        );

        Assert.True(
            watch.Elapsed < TimeSpan.FromSeconds(2),
            $"the write ended after {watch.Elapsed}, not at its 300 ms deadline"
        );
        Assert.Equal(id, e.WriteId);
        Assert.All(cluster.Sent, s =>
            Assert.True(s.Command.Timeout > TimeSpan.Zero, $"a retry left with timeout {s.Command.Timeout}")
        );
    }

    [Fact]
    public async Task WhenTheCoordinatorIsUnreachable_TheNodesNameThePrimaryOfTheNewestEpoch()
    {
        // Node 0 led epoch 1 and is cut off from the group (its writes time out); node 2 leads epoch 2.
        var cluster = new FakeGroup
        {
            Route = call =>
                call == 1
                    ? Task.FromResult(Epoch1)
                    : Task.FromException<GroupRoute>(new TimeoutException("coordinator unreachable")),
            Status = node =>
                Task.FromResult(
                    node switch
                    {
                        0 => Status(0, NodeRole.Primary, 1),
                        1 => Status(1, NodeRole.Replica, 2),
                        _ => Status(2, NodeRole.Primary, 2),
                    }
                ),
            Write = (node, c) =>
                node == 2
                    ? Task.FromResult(new WriteReply(WriteStatus.Ok, 2, 5, 0, 1, 1, 2, 2, null))
                    : Task.FromException<WriteReply>(new TimeoutException("no answer")),
        };
        var group = cluster.Group(new ReplicationClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(300) });
        await group.GetRouteAsync().WaitAsync(Limit);

        var result = await group
            .PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromSeconds(5) })
            .WaitAsync(Limit);

        Assert.Equal((2L, 5L), (result.Epoch, result.Version));
        Assert.Equal((2L, 2), ((await group.GetRouteAsync()).Epoch, (await group.GetRouteAsync()).PrimaryIndex));
        Assert.Contains(cluster.Sent, s => s.Node == 2);
    }

    [Fact]
    public async Task ARefusedWriteNamingANewerPrimary_GoesThereWithoutAskingTheCoordinator()
    {
        // The coordinator still names node 0 of epoch 1 (its answer is late); node 0 follows node 1 in epoch 2.
        var cluster = new FakeGroup
        {
            Route = _ => Task.FromResult(Epoch1),
            Write = (node, c) => Task.FromResult(node == 0
                ? new WriteReply(WriteStatus.NotPrimary, 2, 0, 0, 0, 0, 2, 1, "not the primary")
                : new WriteReply(WriteStatus.Ok, 2, 9, 0, 1, 1, 2, 1, null)),
        };
        var group = cluster.Group(new ReplicationClientOptions());
        await group.GetRouteAsync().WaitAsync(Limit);

        var result = await group
            .PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromSeconds(2) })
            .WaitAsync(Limit);

        Assert.Equal((2L, 9L), (result.Epoch, result.Version));
        Assert.Equal(1, cluster.RouteCalls);
        Assert.Equal([0, 1], cluster.Sent.Select(s => s.Node));
    }

    [Fact]
    public async Task AHintOfAnOlderOrEqualEpoch_IsNotFollowed()
    {
        var cluster = new FakeGroup
        {
            Route = _ => Task.FromResult(new GroupRoute("g", 3, 0, 3)),
            Write = (node, c) => Task.FromResult(node == 0
                ? new WriteReply(WriteStatus.NotPrimary, 2, 0, 0, 0, 0, 2, 1, "not the primary")
                : new WriteReply(WriteStatus.Ok, 2, 9, 0, 1, 1, 2, 1, null)),
        };
        var group = cluster.Group(new ReplicationClientOptions());

        await Assert.ThrowsAsync<NoPrimaryException>(() =>
            group.PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromMilliseconds(300) })
        );

        Assert.DoesNotContain(cluster.Sent, s => s.Node == 1);
    }

    [Fact]
    public async Task AStrongReadWhoseRouteLookupFails_EndsAtItsDeadline_AndReportsOnlyThePrimaryItAsked()
    {
        // The primary does not answer; the coordinator then says a failover is under way, and then is unreachable.
        var cluster = new FakeGroup
        {
            Route = call => call switch
            {
                1 => Task.FromResult(Epoch1),
                2 => Task.FromResult(new GroupRoute("g", 2, -1, 3, "electing")),
                _ => Task.FromException<GroupRoute>(new TimeoutException("coordinator unreachable")),
            },
        };
        var group = cluster.Group(new ReplicationClientOptions { AttemptTimeout = TimeSpan.FromMilliseconds(200) });
        var watch = Stopwatch.StartNew();

        var e = await Record.ExceptionAsync(() =>
            group.GetAsync("k", new ReadOptions { Timeout = TimeSpan.FromSeconds(1) })
        );

        Assert.IsType<NoAvailableNodeException>(e);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"the read ended after {watch.Elapsed}");
        Assert.True(cluster.RouteCalls >= 3, $"the coordinator was asked {cluster.RouteCalls} times");
        Assert.Equal(cluster.ReadFailures, cluster.TroubleReports);
    }

    [Fact]
    public async Task AWriteWaitingToBeSentPastItsDeadline_NeverLeaves_AndOneThatWaitedLeavesWithWhatIsLeft()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var first = new TaskCompletionSource<WriteReply[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = new ConcurrentQueue<WriteCommand[]>();
        var node = QueuedWritesTests.GrainProxy.Create<IReplicaNodeGrain>(
            (m, a) =>
            {
                var commands =
                    m.Name == nameof(IReplicaNodeGrain.WriteAsync) ? [(WriteCommand)a[0]!] : (WriteCommand[])a[0]!;
                calls.Enqueue(commands);
                var replies =
                    calls.Count == 1
                        ? first.Task
                        : Task.FromResult(
                            commands.Select(c => new WriteReply(WriteStatus.Ok, 1, 1, 0, 1, 1, 2, 0, null)).ToArray()
                        );
                return m.Name == nameof(IReplicaNodeGrain.WriteAsync) ? FirstAsync(replies) : replies;
            }
        );
        var batcher = new WriteBatcher(_ => node, time) { MaxInFlight = 1 };
        var holder = batcher.SendAsync(0, Command("holder", TimeSpan.FromSeconds(10)));
        var shortWrite = batcher.SendAsync(0, Command("short", TimeSpan.FromMilliseconds(100)));
        var longWrite = batcher.SendAsync(0, Command("long", TimeSpan.FromSeconds(10)));

        time.Advance(WriteBatcher.Restamp + TimeSpan.FromMilliseconds(500));
        first.SetResult([new WriteReply(WriteStatus.Ok, 1, 1, 0, 1, 1, 2, 0, null)]);

        await Assert.ThrowsAnyAsync<TimeoutException>(() => shortWrite.WaitAsync(Limit));
        await longWrite.WaitAsync(Limit);
        await holder.WaitAsync(Limit);
        var sent = calls.ToArray();
        Assert.Equal(2, sent.Length);
        var second = Assert.Single(sent[1]);
        Assert.Equal("long", second.Key);
        Assert.Equal(TimeSpan.FromSeconds(10) - WriteBatcher.Restamp - TimeSpan.FromMilliseconds(500), second.Timeout);
    }

    [Fact]
    public async Task TheStallCheck_EndsWithinAnAttempt_WhenTheCoordinatorHangs()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cluster = new FakeGroup
        {
            Route = call => call == 1 ? Task.FromResult(Epoch1) : Hang<GroupRoute>(),
            Write = (_, _) => Hang<WriteReply>(),
        };
        var attempt = TimeSpan.FromSeconds(1);
        var group = cluster.Group(
            new ReplicationClientOptions { DefaultReadTimeout = TimeSpan.FromSeconds(60), AttemptTimeout = attempt },
            time
        );
        _ = group.PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromSeconds(60) });

        await AdvanceUntilAsync(
            time,
            () => group.CheckingStall,
            "the stuck write makes the client check for a newer route"
        );
        var ended = group.StallChecksEnded;

        // One attempt's worth of the client's clock, then no more: the check must end by itself. (Another check may
        // start meanwhile and wait on the hung coordinator; only the first one is followed.)
        time.Advance(attempt + TimeSpan.FromMilliseconds(100));
        await QueuedWritesTests.WaitUntilAsync(
            () => group.StallChecksEnded > ended,
            "the stall check on a hung coordinator ends within an attempt"
        );
    }

    [Theory]
    [InlineData(typeof(IReplicaNodeGrain))]
    [InlineData(typeof(IGroupCoordinatorGrain))]
    [InlineData(typeof(ILoadBalancerGrain))]
    public void EveryCallOfTheGroupsGrains_IsUnordered_SoThatItMayTakeAnyGateway(Type grainInterface)
    {
        var invokables = typeof(IReplicaNodeGrain)
            .Assembly.GetTypes()
            .Where(t =>
                !t.IsAbstract && typeof(IRequest).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null
            )
            .Select(t => (IRequest)Activator.CreateInstance(t)!)
            .Where(r => r.GetInterfaceType() == grainInterface)
            .ToArray();

        Assert.Equal(grainInterface.GetMethods().Length, invokables.Length);
        Assert.All(invokables, r =>
            Assert.True(r.Options.HasFlag(InvokeMethodOptions.Unordered), $"{r.GetMethodName()} is ordered")
        );
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        var advanced = TimeSpan.Zero;
        while (!condition())
        {
            Assert.True(
                watch.Elapsed < Limit && advanced < TimeSpan.FromSeconds(20),
                $"timed out waiting until {what} ({advanced} of fake time)"
            );
            time.Advance(TimeSpan.FromMilliseconds(50));
            advanced += TimeSpan.FromMilliseconds(50);
            await Task.Delay(2);
        }
    }

    private static WriteCommand Command(string key, TimeSpan timeout) =>
        new(key, LogOperation.Put, [1], null, Guid.NewGuid(), WriteConcern.Majority, timeout);

    private static async Task<WriteReply> FirstAsync(Task<WriteReply[]> replies) => (await replies)[0];

    private static NodeStatus Status(int index, NodeRole role, long epoch) =>
        new(index, role, "silo", epoch, 4, 4, 4, 0, 0, true, Guid.NewGuid(), 0, null, epoch, true, 3);

    private static async Task<T> Answer<T>(T value, TimeSpan after)
    {
        await Task.Delay(after);
        return value;
    }

    private static Task<T> Hang<T>() => new TaskCompletionSource<T>().Task;

    /// <summary>
    /// One group of three nodes made of delegates: the coordinator's answers by call number, and each node's.
    /// </summary>
    private sealed class FakeGroup
    {
        private int _routeCalls;
        private int _troubleReports;
        private int _readFailures;

        public Func<int, Task<GroupRoute>> Route { get; init; } = _ => Task.FromResult(Epoch1);

        /// <summary>
        /// A node's answer to one write; by default the node acknowledges when it leads the route's epoch.
        /// </summary>
        public Func<int, WriteCommand, Task<WriteReply>>? Write { get; init; }

        public Func<int, Task<NodeStatus>> Status { get; init; } =
            _ => Task.FromException<NodeStatus>(new TimeoutException("node unreachable"));

        public ConcurrentQueue<(int Node, WriteCommand Command)> Sent { get; } = new();

        public int RouteCalls => Volatile.Read(ref _routeCalls);

        public int TroubleReports => Volatile.Read(ref _troubleReports);

        public int ReadFailures => Volatile.Read(ref _readFailures);

        public ReplicatedGroup Group(
            ReplicationClientOptions options,
            TimeProvider? time = null,
            ILogger? logger = null
        )
        {
            options.ReplicaAnswers = false;
            options.DirectWrites = false;
            return new ReplicatedGroup(
                "g",
                QueuedWritesTests.GrainProxy.Factory((key, m, a) => Handle((string)key, m, a)),
                options,
                time ?? TimeProvider.System,
                null,
                logger
            );
        }

        private object? Handle(string key, MethodInfo method, object?[] args)
        {
            switch (method.Name)
            {
                case nameof(IGroupCoordinatorGrain.GetRouteAsync):
                    return Route(Interlocked.Increment(ref _routeCalls));
                case nameof(IGroupCoordinatorGrain.ReportPrimaryTroubleAsync):
                    Interlocked.Increment(ref _troubleReports);
                    return Task.CompletedTask;
                case nameof(ILoadBalancerGrain.ExchangeAsync):
                    return Task.FromException<RoutingSnapshot>(new TimeoutException("unreachable"));
            }

            var node = GroupNames.ParseNodeKey(key).Index;
            switch (method.Name)
            {
                case nameof(IReplicaNodeGrain.GetStatusAsync):
                    return Status(node);
                case nameof(IReplicaNodeGrain.ReadAsync):
                    Interlocked.Increment(ref _readFailures);
                    return Task.FromException<ReadReply>(new TimeoutException("no answer"));
                case nameof(IReplicaNodeGrain.WriteAsync):
                    return Accept(node, (WriteCommand)args[0]!);
                case nameof(IReplicaNodeGrain.WriteBatchAsync):
                    return AcceptAllAsync(node, (WriteCommand[])args[0]!);
                default:
                    throw new NotSupportedException($"{method.Name} is not faked.");
            }
        }

        private async Task<WriteReply[]> AcceptAllAsync(int node, WriteCommand[] commands) =>
            await Task.WhenAll(commands.Select(c => Accept(node, c)));

        private Task<WriteReply> Accept(int node, WriteCommand command)
        {
            Sent.Enqueue((node, command));
            if (command.Timeout <= TimeSpan.Zero)
            {
                // As the primary's validation answers it.
                return Task.FromResult(
                    new WriteReply(
                        WriteStatus.Invalid,
                        1,
                        0,
                        0,
                        0,
                        0,
                        2,
                        0,
                        $"The write timeout {command.Timeout} must be positive."
                    )
                );
            }

            return Write is { } write
                ? write(node, command)
                : Task.FromResult(new WriteReply(WriteStatus.Ok, 1, 1, 0, 1, 1, 2, node, null));
        }
    }
}
