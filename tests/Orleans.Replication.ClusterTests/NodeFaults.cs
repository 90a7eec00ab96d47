using System.Collections.Concurrent;
using Orleans.Replication.Node;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// Fault injection on a node, reached as a grain extension so the production interface carries none of it.
/// </summary>
public interface INodeFaults : IGrainExtension
{
    /// <summary>
    /// Replication calls to the node wait until released: the node falls behind and confirms nothing.
    /// </summary>
    Task HoldReplicationAsync();

    /// <summary>
    /// Replication calls carrying entries wait until released; probes are answered: the node confirms the primary but
    /// holds nothing new.
    /// </summary>
    Task HoldEntriesAsync();

    /// <summary>
    /// Replication calls are handled at once, but their answers wait until released: the primary does not hear what the
    /// node holds.
    /// </summary>
    Task HoldAnswersAsync();

    /// <summary>Lets held replication calls and answers through.</summary>
    Task ReleaseReplicationAsync();

    /// <summary>How many snapshots this activation installed.</summary>
    Task<int> GetSnapshotsInstalledAsync();

    /// <summary>How many replication calls with entries this activation received.</summary>
    Task<long> GetEntryBatchesReceivedAsync();
}

/// <summary>
/// The extension's side: sets the gates of one activation, which <see cref="NodeFaultGates"/> applies to its calls.
/// </summary>
internal sealed class NodeFaults(IGrainContext context) : INodeFaults
{
    private ReplicaNodeGrain Node => (ReplicaNodeGrain)context.GrainInstance!;

    private NodeFaultGates.Gates Gates => NodeFaultGates.Of(context.ActivationId);

    public Task HoldReplicationAsync()
    {
        Gates.Calls ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Task.CompletedTask;
    }

    public Task HoldEntriesAsync()
    {
        Gates.EntriesOnly = true;
        return HoldReplicationAsync();
    }

    public Task HoldAnswersAsync()
    {
        Gates.Answers ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Task.CompletedTask;
    }

    public Task ReleaseReplicationAsync()
    {
        var gates = Gates;
        var (calls, answers) = (gates.Calls, gates.Answers);
        (gates.Calls, gates.Answers, gates.EntriesOnly) = (null, null, false);
        calls?.TrySetResult();
        answers?.TrySetResult();
        return Task.CompletedTask;
    }

    public Task<int> GetSnapshotsInstalledAsync() => Task.FromResult(Node.SnapshotsInstalled);

    public Task<long> GetEntryBatchesReceivedAsync() => Task.FromResult(Node.EntryBatchesReceived);
}

/// <summary>
/// Applies the gates <see cref="NodeFaults"/> set to the replication calls
/// (<see cref="IReplicaNodeGrain.AppendAsync"/>) of one node activation: a silo-wide incoming call filter, so the grain
/// carries no hook.
/// </summary>
internal sealed class NodeFaultGates : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<ActivationId, Gates> ByActivation = new();

    /// <summary>The gates of one activation.</summary>
    public static Gates Of(ActivationId activation) => ByActivation.GetOrAdd(activation, _ => new Gates());

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (ByActivation.IsEmpty || context.InterfaceMethod.Name != nameof(IReplicaNodeGrain.AppendAsync)
            || !ByActivation.TryGetValue(context.TargetContext.ActivationId, out var gates))
        {
            await context.Invoke();
            return;
        }

        if (
            gates.Calls is { } calls
            && (!gates.EntriesOnly || context.Request.GetArgument(0) is AppendRequest { Entries.Length: > 0 })
        )
        {
            await calls.Task;
        }

        await context.Invoke();
        if (gates.Answers is { } answers)
        {
            await answers.Task;
        }
    }

    /// <summary>What holds one activation's replication calls.</summary>
    internal sealed class Gates
    {
        /// <summary>
        /// While set, replication calls wait on it (only those carrying entries with <see cref="EntriesOnly"/>).
        /// </summary>
        public TaskCompletionSource? Calls { get; set; }

        /// <summary><see cref="Calls"/> holds only calls carrying entries; probes are answered.</summary>
        public bool EntriesOnly { get; set; }

        /// <summary>While set, replication calls are handled at once but their answers wait on it.</summary>
        public TaskCompletionSource? Answers { get; set; }
    }
}
