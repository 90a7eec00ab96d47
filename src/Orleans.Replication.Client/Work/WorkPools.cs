using System.Collections.Concurrent;
using Orleans.Replication.Work;

namespace Orleans.Replication.Client;

/// <summary>The <see cref="IWorkPools"/> of a cluster client.</summary>
internal sealed class WorkPools(IGrainFactory grains, TimeProvider time) : IWorkPools
{
    private readonly ConcurrentDictionary<string, WorkPool> _pools = new(StringComparer.Ordinal);

    public IWorkPool Pool(string name = WorkLimits.DefaultPool)
    {
        WorkLimits.ValidatePool(name, nameof(name));
        return _pools.GetOrAdd(name, n => new WorkPool(n, grains.GetGrain<ITaskControllerGrain>(n), grains, time));
    }
}
