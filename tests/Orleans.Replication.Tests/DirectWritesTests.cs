using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Messaging;
using Orleans.Replication.Client;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Tests;

/// <summary>
/// A group's writes through the primary's write ingress: found on a new route, dropped on a failure, found again later.
/// </summary>
public sealed class DirectWritesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AFailedIngressCall_SendsWritesToTheNode_AndTheIngressIsTriedAgainFiveSecondsLater()
    {
        var (group, cluster, time) = NewGroup(clientGatewayPort: 30000);

        await group.PutAsync("a", [1]);
        await QueuedWritesTests.WaitUntilAsync(() => group.WritesGoDirect(0), "writes go through the ingress");
        await group.PutAsync("b", [1]);
        Assert.Equal("b", cluster.ThroughIngress[^1]);
        Assert.DoesNotContain("b", cluster.ToNode);

        // The ingress fails once: the write is resent to the node grain, and later writes go there too.
        cluster.FailIngress = true;
        var failed = group.PutAsync("c", [1]);
        await WhileAdvancingAsync(time, failed);
        Assert.Equal(1, cluster.IngressFailures);
        Assert.False(group.WritesGoDirect(0));
        await group.PutAsync("d", [1]);
        Assert.Equal(["c", "d"], cluster.ToNode[^2..]);
        Assert.DoesNotContain("c", cluster.ThroughIngress);
        Assert.DoesNotContain("d", cluster.ThroughIngress);

        // Not asked again before 5 s have passed; asked again after.
        cluster.FailIngress = false;
        var lookups = cluster.Lookups;
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(group.WritesGoDirect(0));
        Assert.Equal(lookups, cluster.Lookups);
        time.Advance(TimeSpan.FromSeconds(1.5));
        await QueuedWritesTests.WaitUntilAsync(() => group.WritesGoDirect(0), "writes go through the ingress again");
        await group.PutAsync("e", [1]);
        Assert.Equal("e", cluster.ThroughIngress[^1]);
        Assert.DoesNotContain("e", cluster.ToNode);
    }

    [Fact]
    public async Task AGatewayOutsideTheClientsList_IsNotUsed()
    {
        var (group, cluster, _) = NewGroup(clientGatewayPort: 30001);

        await group.PutAsync("a", [1]);
        await QueuedWritesTests.WaitUntilAsync(() => cluster.Lookups > 0, "the primary is asked for its ingress");
        await group.PutAsync("b", [1]);
        Assert.False(group.WritesGoDirect(0));
        Assert.Empty(cluster.ThroughIngress);
        Assert.Equal(["a", "b"], cluster.ToNode);
    }

    /// <summary>
    /// A client of the fake cluster whose only gateway is 127.0.0.1 at <paramref name="clientGatewayPort"/>.
    /// </summary>
    private static (ReplicatedGroup Group, FakeCluster Cluster, FakeTimeProvider Time) NewGroup(int clientGatewayPort)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cluster = new FakeCluster();
        var gateways = new ClientGateways(new OneGateway(new Uri($"gwy.tcp://127.0.0.1:{clientGatewayPort}/0")));
        // The fakes answer calls: batches submitted one-way through a receiver are covered by the cluster tests.
        var options = new ReplicationClientOptions { ReplicaAnswers = false };
        return (new ReplicatedGroup("g", cluster.Factory, options, time, gateways), cluster, time);
    }

    private static async Task WhileAdvancingAsync(FakeTimeProvider time, Task task)
    {
        var watch = Stopwatch.StartNew();
        while (!task.IsCompleted)
        {
            Assert.True(watch.Elapsed < Limit, "timed out waiting for the write");
            time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(1);
        }

        await task;
    }

    private sealed class OneGateway(Uri gateway) : IGatewayListProvider
    {
        public TimeSpan MaxStaleness => TimeSpan.FromMinutes(1);

        public bool IsUpdatable => false;

        public Task InitializeGatewayListProvider() => Task.CompletedTask;

        public Task<IList<Uri>> GetGateways() => Task.FromResult<IList<Uri>>([gateway]);
    }

    /// <summary>One group of three nodes, node 0 leading epoch 1, whose silo's ingress is at 127.0.0.1:30000.</summary>
    private sealed class FakeCluster
    {
        private static readonly GroupRoute Route = new("g", 1, 0, 3);
        private readonly ConcurrentQueue<string> _toNode = new();
        private readonly ConcurrentQueue<string> _throughIngress = new();
        private long _index;
        private int _lookups;
        private int _ingressFailures;

        public FakeCluster() =>
            Factory = QueuedWritesTests.GrainProxy.Factory(
                (key, m, a) => Handle(key is GrainId ? "ingress" : (string)key, m, a)
            );

        public IGrainFactory Factory { get; }

        public volatile bool FailIngress;

        public int Lookups => Volatile.Read(ref _lookups);

        public int IngressFailures => Volatile.Read(ref _ingressFailures);

        public string[] ToNode => [.. _toNode];

        public string[] ThroughIngress => [.. _throughIngress];

        private object? Handle(string key, MethodInfo method, object?[] args)
        {
            if (QueuedWritesTests.FakeCluster.RoutingAnswer(method, Route) is { } routing)
            {
                return routing;
            }

            switch (method.Name)
            {
                case nameof(IReplicaNodeGrain.GetWriteIngressAsync):
                    Interlocked.Increment(ref _lookups);
                    return Task.FromResult<WriteIngressAddress?>(
                        new WriteIngressAddress(GrainId.Create("ingress", "silo-0"), "127.0.0.1", 30000)
                    );
                case nameof(IReplicaNodeGrain.WriteAsync):
                    return Task.FromResult(Accept(_toNode, (WriteCommand)args[0]!));
                case nameof(IReplicaNodeGrain.WriteBatchAsync) when key == "ingress":
                    if (FailIngress)
                    {
                        Interlocked.Increment(ref _ingressFailures);
                        return Task.FromException<WriteReply[]>(new TimeoutException("the ingress did not answer"));
                    }

                    Assert.Equal(("g", 0), ((string)args[0]!, (int)args[1]!));
                    return Task.FromResult(
                        ((WriteCommand[])args[2]!).Select(c => Accept(_throughIngress, c)).ToArray()
                    );
                case nameof(IReplicaNodeGrain.WriteBatchAsync):
                    return Task.FromResult(((WriteCommand[])args[0]!).Select(c => Accept(_toNode, c)).ToArray());
                default:
                    throw new NotSupportedException($"{method.Name} is not faked.");
            }
        }

        private WriteReply Accept(ConcurrentQueue<string> path, WriteCommand command)
        {
            path.Enqueue(command.Key);
            return new WriteReply(WriteStatus.Ok, Route.Epoch, Interlocked.Increment(ref _index), 0, 2, 1, 2, 0, null);
        }
    }
}
