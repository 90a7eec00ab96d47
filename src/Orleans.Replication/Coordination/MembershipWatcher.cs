using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Coordination;

/// <summary>Watches Orleans cluster membership on each silo and announces dead silos to the group directory.</summary>
/// <remarks>Membership is the source of truth on liveness; the coordinators' own checks of their primaries only make
/// detection faster.</remarks>
internal sealed partial class MembershipWatcher(
    IClusterMembershipService membership,
    IGrainFactory grains,
    ILogger<MembershipWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ClusterMembershipSnapshot? previous = null;
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var changes = previous is null ? snapshot.AsUpdate().Changes : snapshot.CreateUpdate(previous).Changes;
                previous = snapshot;
                foreach (var change in changes.Where(c => c.Status == SiloStatus.Dead))
                {
                    try
                    {
                        await grains.GetGrain<IGroupDirectoryGrain>(0).SiloDeadAsync(change.SiloAddress.ToString());
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogNotifyFailed(change.SiloAddress.ToString(), e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Silo stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce dead silo {Silo}: {Reason}.")]
    private partial void LogNotifyFailed(string silo, string reason);
}
