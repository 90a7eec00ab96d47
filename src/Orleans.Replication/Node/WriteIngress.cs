using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Replication.Diagnostics;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>
/// The silo's <see cref="IWriteIngress"/>: hands a client's writes to a node grain from the primary's own silo.
/// </summary>
/// <remarks>
/// Requests interleave (each runs as its own task on the service's scheduler), so a batch waiting for its write
/// concern holds up no other batch. The node grain is called by key: if it no longer lives here, Orleans routes the
/// call to wherever it does, and the answer is the same as a direct call's.
/// </remarks>
internal sealed class WriteIngress : Orleans.Runtime.GrainService, IWriteIngress
{
    private readonly IGrainFactory _grains;

    /// <summary>
    /// Node references by key: making one by key looks up the grain's type each time, which costs more than forwarding
    /// a batch.
    /// </summary>
    private readonly ConcurrentDictionary<(string Group, int Index), IReplicaNodeGrain> _nodes = new();
    private const int MaxCachedNodes = 10_000;

    public WriteIngress(
        GrainId grainId,
        Silo silo,
        ILoggerFactory loggerFactory,
        IGrainFactory grains,
        WriteIngressType type
    )
        : base(grainId, silo, loggerFactory)
    {
        _grains = grains;
        type.Set(grainId.Type);
    }

    public Task SubmitAsync(string group, int index, WriteCommand[] commands, IWriteAcks acks, long batchId)
    {
        ArgumentNullException.ThrowIfNull(acks);
        return Node(group, index, commands).SubmitAsync(commands, acks, batchId);
    }

    public Task<WriteReply[]> WriteBatchAsync(string group, int index, WriteCommand[] commands) =>
        Node(group, index, commands).WriteBatchAsync(commands);

    private IReplicaNodeGrain Node(string group, int index, WriteCommand[] commands)
    {
        GroupNames.Validate(group, nameof(group));
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ReplicationLimits.MaxNodeCount);
        ArgumentNullException.ThrowIfNull(commands);
        ReplicationMetrics.IngressBatch(group);
        if (!_nodes.TryGetValue((group, index), out var node))
        {
            if (_nodes.Count >= MaxCachedNodes)
            {
                _nodes.Clear(); // names sent by clients are not trusted to be few
            }

            node = _nodes.GetOrAdd(
                (group, index),
                static (key, grains) => grains.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(key.Group, key.Index)),
                _grains
            );
        }

        return node;
    }
}

/// <summary>
/// The grain type of this silo's <see cref="WriteIngress"/>, known once the service is made at silo start; null before.
/// </summary>
internal sealed class WriteIngressType
{
    private GrainType? _type;

    public GrainType? Value => _type;

    public void Set(GrainType type) => _type = type;
}
