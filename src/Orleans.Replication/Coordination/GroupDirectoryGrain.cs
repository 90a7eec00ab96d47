using Microsoft.Extensions.Logging;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Coordination;

/// <summary>The cluster's list of groups, so that a silo's death reaches every group's coordinator.</summary>
/// <remarks>
/// In memory only: coordinators register again every few seconds, so a directory activated again after its silo
/// died is whole again within that time. Every silo's watcher reports a death; repeats are ignored.
/// </remarks>
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed partial class GroupDirectoryGrain(ILogger<GroupDirectoryGrain> logger) : Grain, IGroupDirectoryGrain
{
    private readonly HashSet<string> _groups = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deadSilos = new(StringComparer.Ordinal);

    public Task RegisterAsync(string group)
    {
        GroupNames.Validate(group);
        _groups.Add(group);
        return Task.CompletedTask;
    }

    public Task SiloDeadAsync(string silo)
    {
        ArgumentException.ThrowIfNullOrEmpty(silo);
        if (_deadSilos.Add(silo))
        {
            LogSiloDead(silo, _groups.Count);
            foreach (var group in _groups)
            {
                _ = GrainFactory.GetGrain<IGroupCoordinatorGrain>(group).OnSiloDeadAsync(silo);
            }
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Silo {Silo} is dead; telling the coordinators of {Groups} groups."
    )]
    private partial void LogSiloDead(string silo, int groups);
}
