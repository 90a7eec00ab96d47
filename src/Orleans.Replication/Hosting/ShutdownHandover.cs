using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Orleans.Replication.Hosting;

/// <summary>On a graceful stop, hands over every group led from this silo to a replica on another silo first.</summary>
/// <remarks>
/// It stops at <see cref="ServiceLifecycleStage.Active"/>, the first stage to stop: the silo is still a full member,
/// its grains are still active and its gateway still answers, so the coordinator's planned switchover can run (writes
/// pause, the target catches up with the whole log, then leads a new epoch) and no acknowledged write is lost. Each
/// group gets a bounded time; a group that cannot be handed over in time is left to the ordinary failover once the
/// silo is gone, which is also safe for <c>Majority</c> writes, only slower.
/// </remarks>
internal sealed partial class ShutdownHandover(
    LocalPrimaries primaries,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    SiloMetrics metrics,
    ILogger<ShutdownHandover> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The longest one group's hand-over may take.</summary>
    internal static readonly TimeSpan GroupDeadline = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The longest all hand-overs together may take, well inside the host's shutdown timeout (30 s by default).
    /// </summary>
    internal static readonly TimeSpan TotalDeadline = TimeSpan.FromSeconds(20);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(ShutdownHandover),
            ServiceLifecycleStage.Active,
            _ => Task.CompletedTask,
            HandOverAllAsync
        );

    private async Task HandOverAllAsync(CancellationToken cancellationToken)
    {
        var groups = primaries.Snapshot;
        if (groups.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        LogStarting(groups.Count);
        using var total = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        total.CancelAfter(TotalDeadline);

        // Groups are independent; hand them over together so that many groups do not add up their pauses.
        await Task.WhenAll(groups.Keys.Select(g => HandOverAsync(g, total.Token)));
        LogFinished(groups.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task HandOverAsync(string group, CancellationToken cancellationToken)
    {
        var here = silo.SiloAddress.ToString();
        try
        {
            var coordinator = grains.GetGrain<IGroupCoordinatorGrain>(group);
            var status = await coordinator.GetStatusAsync().WaitAsync(GroupDeadline, cancellationToken);
            var primary = status.Nodes.FirstOrDefault(n => n.NodeIndex == status.PrimaryIndex);
            if (primary is null || primary.Silo != here)
            {
                return; // led from elsewhere by now
            }

            var target = status.Nodes
                .Where(n => n.Role == NodeRole.Replica && n.Healthy && n.CaughtUp && n.Silo != here)
                .OrderByDescending(n => n.LastIndex)
                .FirstOrDefault();
            if (target is null)
            {
                metrics.ShutdownHandovers.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
                LogNoTarget(group);
                return;
            }

            var route = await coordinator.SwitchoverAsync(target.NodeIndex).WaitAsync(GroupDeadline, cancellationToken);
            metrics.ShutdownHandovers.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
            LogHandedOver(group, route.PrimaryIndex, target.Silo, route.Epoch);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            metrics.ShutdownHandovers.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            LogFailed(group, e.Message);
        }
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Silo stopping: handing over {Count} group(s) led from here."
    )]
    private partial void LogStarting(int count);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Silo stopping: hand-over of {Count} group(s) done in {Ms:0} ms."
    )]
    private partial void LogFinished(int count, double ms);

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Group {Group}: handed over to node {Primary} on {Silo}, epoch {Epoch}."
    )]
    private partial void LogHandedOver(string group, int primary, string silo, long epoch);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Group {Group}: no caught-up replica on another silo to hand over to; failover will follow the stop."
    )]
    private partial void LogNoTarget(string group);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Group {Group}: hand-over at shutdown failed ({Reason}); failover will follow the stop."
    )]
    private partial void LogFailed(string group, string reason);
}
