using Orleans.Replication.Node;
using Orleans.Runtime;

namespace Orleans.Replication.ClusterTests;

/// <summary>Fault injection on a node, reached as a grain extension so the production interface carries none of it.</summary>
public interface INodeFaults : IGrainExtension
{
    /// <summary>Replication calls to the node wait until released: the node falls behind and confirms nothing.</summary>
    Task HoldReplicationAsync();

    /// <summary>Lets held replication calls through.</summary>
    Task ReleaseReplicationAsync();

    /// <summary>How many snapshots this activation installed.</summary>
    Task<int> GetSnapshotsInstalledAsync();

    /// <summary>How many replication calls with entries this activation received.</summary>
    Task<long> GetEntryBatchesReceivedAsync();
}

internal sealed class NodeFaults(IGrainContext context) : INodeFaults
{
    private ReplicaNodeGrain Node => (ReplicaNodeGrain)context.GrainInstance!;

    public Task HoldReplicationAsync()
    {
        Node.AppendGate ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Task.CompletedTask;
    }

    public Task ReleaseReplicationAsync()
    {
        var gate = Node.AppendGate;
        Node.AppendGate = null;
        gate?.TrySetResult();
        return Task.CompletedTask;
    }

    public Task<int> GetSnapshotsInstalledAsync() => Task.FromResult(Node.SnapshotsInstalled);

    public Task<long> GetEntryBatchesReceivedAsync() => Task.FromResult(Node.EntryBatchesReceived);
}
