using Orleans.Replication.Node;
using Orleans.Runtime;

namespace Orleans.Replication.ClusterTests;

/// <summary>Fault injection on a node, reached as a grain extension so the production interface carries none of it.</summary>
public interface INodeFaults : IGrainExtension
{
    /// <summary>Replication calls to the node wait until released: the node falls behind and confirms nothing.</summary>
    Task HoldReplicationAsync();

    /// <summary>Replication calls carrying entries wait until released; probes are answered: the node confirms the primary but holds nothing new.</summary>
    Task HoldEntriesAsync();

    /// <summary>Replication calls are handled at once, but their answers wait until released: the primary does not hear what the node holds.</summary>
    Task HoldAnswersAsync();

    /// <summary>Lets held replication calls and answers through.</summary>
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

    public Task HoldEntriesAsync()
    {
        Node.GateEntriesOnly = true;
        return HoldReplicationAsync();
    }

    public Task HoldAnswersAsync()
    {
        Node.AnswerGate ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Task.CompletedTask;
    }

    public Task ReleaseReplicationAsync()
    {
        var (gate, answers) = (Node.AppendGate, Node.AnswerGate);
        (Node.AppendGate, Node.AnswerGate, Node.GateEntriesOnly) = (null, null, false);
        gate?.TrySetResult();
        answers?.TrySetResult();
        return Task.CompletedTask;
    }

    public Task<int> GetSnapshotsInstalledAsync() => Task.FromResult(Node.SnapshotsInstalled);

    public Task<long> GetEntryBatchesReceivedAsync() => Task.FromResult(Node.EntryBatchesReceived);
}
