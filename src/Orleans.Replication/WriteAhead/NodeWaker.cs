using Microsoft.Extensions.Logging;
using Orleans.Replication.Protocol;
using Orleans.Runtime.Placement;

namespace Orleans.Replication.WriteAhead;

/// <summary>Wakes, as its silo starts, every node its disk holds, so that each is found where its data is.</summary>
/// <remarks>
/// Each node is called with a placement hint for this silo. When it is not active anywhere it is activated here and
/// recovers from the disk. When it is active elsewhere:
/// <list type="bullet">
/// <item>caught up there (the group re-created it while this silo was away): the copy here is stale and is
/// deleted;</item>
/// <item>not caught up (an empty activation made while this silo was starting): it is asked to move here, where
/// its data is, and is called again.</item>
/// </list>
/// Runs in the background from the silo's Active stage, each node until it settles or <see cref="Patience"/>
/// passes.
/// </remarks>
internal sealed partial class NodeWaker(
    NodeDisks disks,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    ILogger<NodeWaker> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>How long the waker keeps trying one node.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(500);
    private readonly CancellationTokenSource _stopping = new();
    private Task _waking = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(NodeWaker), ServiceLifecycleStage.Active,
            _ =>
            {
                if (disks.Enabled)
                {
                    _waking = Task.Run(() => WakeAllAsync(_stopping.Token));
                }

                return Task.CompletedTask;
            },
            async _ =>
            {
                await _stopping.CancelAsync();
                await _waking.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            });

    private async Task WakeAllAsync(CancellationToken stopping)
    {
        var keys = disks.HeldNodeKeys();
        if (keys.Count > 0)
        {
            LogWaking(keys.Count, disks.Root);
        }

        await Task.WhenAll(keys.Select(key => WakeAsync(key, stopping)));
    }

    private async Task WakeAsync(string key, CancellationToken stopping)
    {
        var (group, index) = GroupNames.ParseNodeKey(key);
        var node = grains.GetGrain<IReplicaNodeGrain>(key);
        var here = silo.SiloAddress;
        var deadline = DateTime.UtcNow + Patience;
        while (!stopping.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            try
            {
                RequestContext.Set(IPlacementDirector.PlacementHintKey, here);
                var status = await node.GetStatusAsync().WaitAsync(CallTimeout, stopping);
                if (status.Silo == here.ToString())
                {
                    return;
                }

                if (status.CaughtUp)
                {
                    // Re-created elsewhere and caught up while this silo was away: this copy is out of date.
                    if (disks.Holds(group, index))
                    {
                        disks.Delete(group, index);
                        LogStaleDeleted(key, status.Silo);
                    }

                    return;
                }

                LogCallingHome(key, status.Silo);
                await node.RelocateAsync(here).WaitAsync(CallTimeout, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogWakeFailed(key, e.Message);
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }

            await Task.Delay(Pause, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Waking the {Count} nodes held in {Directory}.")]
    private partial void LogWaking(int count, string directory);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Node {Node} was re-created on {Silo} and caught up there while this silo was away; the copy " +
            "here is out of date and was deleted.")]
    private partial void LogStaleDeleted(string node, string silo);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Node {Node} is active on {Silo} but not caught up there; it is moved here, where its data is.")]
    private partial void LogCallingHome(string node, string silo);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Waking node {Node} failed ({Reason}); trying again.")]
    private partial void LogWakeFailed(string node, string reason);
}
