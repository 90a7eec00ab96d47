using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Orleans.Replication.Client;
using Orleans.Replication.LoadBalancing;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Tests;

/// <summary>
/// A group's writes while it has no primary: they wait in a bounded queue, up to their deadline, and go in order.
/// </summary>
public sealed class QueuedWritesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static (ReplicatedGroup Group, FakeCluster Cluster) NewGroup(GroupRoute route, int maxQueued = 100)
    {
        var cluster = new FakeCluster { Route = route };
        var options = new ReplicationClientOptions { MaxQueuedWrites = maxQueued };
        return (new ReplicatedGroup("g", cluster.Factory, options, TimeProvider.System), cluster);
    }

    private static GroupRoute NoPrimary(
        string problem = "node 1 could not be promoted (its voting activation did not answer)",
        NoPrimaryReason reason = NoPrimaryReason.NotPromoted
    ) => new("g", 2, -1, 3, problem, reason);

    /// <summary>Waits until <paramref name="condition"/> holds, failing the test after 10 s.</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Limit, "timed out waiting until " + what);
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task WritesWaitForAPrimaryAndAreSentInTheOrderTheyCame()
    {
        var (group, cluster) = NewGroup(NoPrimary());
        var options = new WriteOptions { Timeout = Limit };
        var writes = Enumerable.Range(0, 6).Select(i => group.PutAsync($"k{i}", [1], options)).ToArray();
        await WaitUntilAsync(() => group.QueuedWrites == 6, "six writes wait");
        Assert.Empty(cluster.Received);
        Assert.All(writes, w => Assert.False(w.IsCompleted));

        cluster.Route = new GroupRoute("g", 3, 1, 3);
        var results = await Task.WhenAll(writes).WaitAsync(Limit);

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"k{i}"), cluster.Received.Select(r => r.Key));
        Assert.All(cluster.Received, r => Assert.Equal(1, r.Node));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), results.Select(r => r.Version));
        Assert.Equal(0, group.QueuedWrites);
    }

    [Fact]
    public async Task AWriteBeyondTheQueueLimitFailsAtOnceWithNothingWritten()
    {
        var (group, cluster) = NewGroup(NoPrimary(), maxQueued: 2);
        var waiting = new[]
        {
            group.PutAsync("a", [1], new WriteOptions { Timeout = Limit }),
            group.PutAsync("b", [1], new WriteOptions { Timeout = Limit }),
        };
        await WaitUntilAsync(() => group.QueuedWrites == 2, "two writes wait");

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<QueueFullException>(() =>
            group.PutAsync("c", [1], new WriteOptions { Timeout = Limit })
        );

        Assert.True(
            watch.Elapsed < TimeSpan.FromSeconds(1),
            $"a full queue refused after {watch.Elapsed}; it must refuse at once"
        );
        Assert.Equal(2, e.Capacity);
        Assert.True(e.IsRetryable);
        cluster.Route = new GroupRoute("g", 3, 0, 3);
        await Task.WhenAll(waiting).WaitAsync(Limit);
        Assert.Equal(["a", "b"], cluster.Received.Select(r => r.Key));
    }

    [Fact]
    public async Task AWriteThatWaitsPastItsDeadlineIsToldItWasNeverSent()
    {
        var (group, cluster) = NewGroup(NoPrimary());
        var id = Guid.NewGuid();

        var e = await Assert.ThrowsAsync<ReplicationTimeoutException>(() =>
            group.PutAsync("k", [1], new WriteOptions { Timeout = TimeSpan.FromMilliseconds(200), WriteId = id })
        );

        Assert.Contains("never sent", e.Message, StringComparison.Ordinal);
        Assert.Contains(id.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Empty(cluster.Received);
        Assert.Equal(0, group.QueuedWrites);
    }

    [Fact]
    public async Task WithoutAReachableMajorityWritesFailFastInsteadOfWaiting()
    {
        var (group, cluster) = NewGroup(
            NoPrimary("no majority: 1 of 3 nodes reachable and caught up, 2 needed", NoPrimaryReason.NoMajority)
        );
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<NoPrimaryException>(() =>
            group.PutAsync("k", [1], new WriteOptions { Timeout = Limit })
        );

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"the write took {watch.Elapsed} to fail");
        Assert.Contains("majority", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, group.QueuedWrites);
        Assert.Empty(cluster.Received);
    }

    /// <summary>
    /// Grain references for one group, made with <see cref="DispatchProxy"/>: a coordinator answering
    /// <see cref="Route"/>, nodes that acknowledge every write, an unreachable load balancer.
    /// </summary>
    internal sealed class FakeCluster
    {
        private long _index;

        public FakeCluster() => Factory = GrainProxy.Factory((key, m, a) => Handle((string)key, m, a));

        public IGrainFactory Factory { get; }

        public GroupRoute Route { get; set; } = null!;

        public ConcurrentQueue<(int Node, string Key)> Received { get; } = new();

        /// <summary>
        /// The coordinator's and load balancer's answers in a fake cluster that has <paramref name="route"/>, or null
        /// for another method.
        /// </summary>
        internal static object? RoutingAnswer(MethodInfo method, GroupRoute route) =>
            method.Name switch
            {
                nameof(IGroupCoordinatorGrain.GetRouteAsync) => Task.FromResult(route),
                nameof(IGroupCoordinatorGrain.ReportPrimaryTroubleAsync) => Task.CompletedTask,
                nameof(ILoadBalancerGrain.ExchangeAsync) => Task.FromException<RoutingSnapshot>(
                    new TimeoutException("unreachable")
                ),
                _ => null,
            };

        private object? Handle(string key, MethodInfo method, object?[] args)
        {
            if (RoutingAnswer(method, Route) is { } routing)
            {
                return routing;
            }

            switch (method.Name)
            {
                case nameof(IReplicaNodeGrain.WriteAsync):
                    return Task.FromResult(Accept(key, (WriteCommand)args[0]!));
                case nameof(IReplicaNodeGrain.WriteBatchAsync):
                    return Task.FromResult(((WriteCommand[])args[0]!).Select(c => Accept(key, c)).ToArray());
                default:
                    throw new NotSupportedException($"{method.Name} is not faked.");
            }
        }

        private WriteReply Accept(string nodeKey, WriteCommand command)
        {
            var node = GroupNames.ParseNodeKey(nodeKey).Index;
            if (node != Route.PrimaryIndex)
            {
                return new WriteReply(
                    WriteStatus.NotPrimary,
                    Route.Epoch,
                    0,
                    0,
                    0,
                    0,
                    2,
                    Route.PrimaryIndex,
                    "not the primary"
                );
            }

            Received.Enqueue((node, command.Key));
            return new WriteReply(
                WriteStatus.Ok,
                Route.Epoch,
                Interlocked.Increment(ref _index),
                0,
                2,
                1,
                2,
                node,
                null
            );
        }
    }

    /// <summary>An interface implemented by a delegate.</summary>
    public class GrainProxy : DispatchProxy
    {
        private Func<MethodInfo, object?[], object?> _handler = null!;

        public static T Create<T>(Func<MethodInfo, object?[], object?> handler)
        {
            var proxy = DispatchProxy.Create<T, GrainProxy>();
            ((GrainProxy)(object)proxy!)._handler = handler;
            return proxy;
        }

        /// <summary>
        /// A grain factory whose references send each call to <paramref name="handler"/> with the key the reference was
        /// made with (a string, or a <see cref="GrainId"/>).
        /// </summary>
        public static IGrainFactory Factory(Func<object, MethodInfo, object?[], object?> handler) =>
            Create<IGrainFactory>((method, args) =>
            {
                if (method.Name != nameof(IGrainFactory.GetGrain) || !method.IsGenericMethod)
                {
                    throw new NotSupportedException($"{method.Name} is not faked.");
                }

                var key = args[0]!;
                return typeof(GrainProxy).GetMethod(nameof(Create))!.MakeGenericMethod(method.GetGenericArguments()[0])
                    .Invoke(null, [(Func<MethodInfo, object?[], object?>)((m, a) => handler(key, m, a))]);
            });

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            _handler(targetMethod!, args ?? []);
    }
}
