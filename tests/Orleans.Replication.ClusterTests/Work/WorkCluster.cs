using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Orleans.Replication.Work;
using Orleans.TestingHost;
using Xunit;

namespace Orleans.Replication.ClusterTests.Work;

/// <summary>
/// A three-silo in-process cluster with the test handlers and small limits, shared by the "work" collection.
/// </summary>
/// <remarks>
/// Small limits (64 KiB payloads, 2 tasks per responder, 40 queued tasks, results kept 3 s) make a few hundred KiB of
/// text many map tasks and let the queue fill quickly. Every test uses its own pool, so tests do not see each other's
/// tasks.
/// </remarks>
public sealed class WorkClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IWorkPools Work => Cluster.Client.ServiceProvider.GetRequiredService<IWorkPools>();

    public async Task InitializeAsync()
    {
        Cluster = WorkCluster.NewBuilder(3).Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Stops the cluster, giving up after 30 s so that a stalled shutdown cannot hold the test run.</summary>
    public async Task DisposeAsync() => await WorkCluster.StopAsync(Cluster);
}

[CollectionDefinition("work")]
public sealed class WorkCollection : ICollectionFixture<WorkClusterFixture>
{
}

internal static class WorkCluster
{
    public const int MaxPayloadBytes = 64 * 1024;
    public const int MaxQueuedTasks = 40;
    public const int TasksPerResponder = 2;
    public static readonly TimeSpan ResultRetention = TimeSpan.FromSeconds(3);

    public static async Task StopAsync(InProcessTestCluster cluster)
    {
        try
        {
            await cluster.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // The silos die with the test process.
        }
    }

    public static InProcessTestClusterBuilder NewBuilder(short silos)
    {
        var builder = IsolatedCluster.NewBuilder(silos, _ => { });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddTestHandlers();
            silo.Services.Configure<WorkOptions>(o =>
            {
                o.MaxPayloadBytes = MaxPayloadBytes;
                o.MaxQueuedTasks = MaxQueuedTasks;
                o.TasksPerResponder = TasksPerResponder;
                o.ProbeInterval = TimeSpan.FromMilliseconds(200);
                o.ResultRetention = ResultRetention;
            });
        });
        return builder;
    }
}
