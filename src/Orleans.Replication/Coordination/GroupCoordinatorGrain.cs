using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Replication.Options;

namespace Orleans.Replication.Coordination;

/// <summary>The control plane of one group: its size, epoch and primary. Writes and reads never pass through it.</summary>
/// <remarks>
/// A group is created on first use with the silo's <see cref="ReplicationOptions.DefaultNodeCount"/>, or
/// explicitly with <see cref="CreateAsync"/>. Creation tells every node its role in epoch 1; node 0 leads.
/// Not reentrant: one control operation at a time.
/// </remarks>
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed partial class GroupCoordinatorGrain(
    IOptions<ReplicationOptions> options,
    ILogger<GroupCoordinatorGrain> logger) : Grain, IGroupCoordinatorGrain
{
    private static readonly TimeSpan NodeCallTimeout = TimeSpan.FromSeconds(2);
    private readonly ReplicationOptions _options = options.Value;
    private GroupRoute? _route;

    private string Group => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        GroupNames.Validate(Group);
        return Task.CompletedTask;
    }

    public async Task<GroupRoute> GetRouteAsync() => _route ?? await CreateGroupAsync(_options.DefaultNodeCount);

    public async Task<GroupRoute> CreateAsync(GroupConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Validate();
        if (_route is { } existing)
        {
            return existing.NodeCount == configuration.NodeCount
                ? existing
                : throw new InvalidOperationException(
                    $"Group '{Group}' already exists with {existing.NodeCount} nodes; it cannot be created again with {configuration.NodeCount}.");
        }

        return await CreateGroupAsync(configuration.NodeCount);
    }

    public async Task<GroupStatus> GetStatusAsync()
    {
        var route = await GetRouteAsync();
        var nodes = await Task.WhenAll(Enumerable.Range(0, route.NodeCount).Select(i => GetNodeStatusAsync(route, i)));
        return new GroupStatus(Group, route.Epoch, route.PrimaryIndex, route.NodeCount, nodes);
    }

    private async Task<NodeStatus> GetNodeStatusAsync(GroupRoute route, int index)
    {
        try
        {
            return await Node(index).GetStatusAsync().WaitAsync(NodeCallTimeout);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new NodeStatus(index, NodeRole.Unassigned, "?", route.Epoch, 0, 0, 0, 0, 0, false, Guid.Empty, 0, "unreachable: " + e.Message);
        }
    }

    private async Task<GroupRoute> CreateGroupAsync(int nodeCount)
    {
        ReplicationLimits.ValidateNodeCount(nodeCount);
        var route = new GroupRoute(Group, Epoch: 1, PrimaryIndex: 0, nodeCount);

        // Replicas first, so the primary's first batch finds them ready; an unreachable replica catches up later.
        var replicas = Enumerable.Range(1, nodeCount - 1).Select(i => AssignAsync(route, i, required: false));
        await Task.WhenAll(replicas);
        await AssignAsync(route, 0, required: true);
        _route = route;
        LogGroupCreated(Group, nodeCount);
        return route;
    }

    private async Task AssignAsync(GroupRoute route, int index, bool required)
    {
        try
        {
            await Node(index).AssignAsync(new NodeAssignment(Group, index, route.NodeCount, route.Epoch, route.PrimaryIndex)).WaitAsync(NodeCallTimeout);
        }
        catch (Exception e) when (!required && e is not OutOfMemoryException)
        {
            LogAssignFailed(Group, index, e.Message);
        }
    }

    private IReplicaNodeGrain Node(int index) => GrainFactory.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(Group, index));

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group} created with {NodeCount} nodes; node 0 is primary of epoch 1.")]
    private partial void LogGroupCreated(string group, int nodeCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: node {Index} could not be assigned its role ({Reason}); it will follow the primary when reachable.")]
    private partial void LogAssignFailed(string group, int index, string reason);
}
