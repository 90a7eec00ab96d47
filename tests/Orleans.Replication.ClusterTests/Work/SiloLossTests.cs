using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Xunit;

namespace Orleans.Replication.ClusterTests.Work;

/// <summary>A silo stopped under a running job: its tasks run again elsewhere and the answer is still right.</summary>
[Collection("work")]
public sealed class SiloLossTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wordcount-loss-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task AJobCompletesWithTheRightAnswerWhenASiloStopsUnderIt()
    {
        var cluster = WorkCluster.NewBuilder(3).Build();
        await cluster.DeployAsync();
        try
        {
            var text = TextGenerator.Generate(900_000, 11);
            var file = Path.Combine(_dir, "text.txt");
            await File.WriteAllTextAsync(file, text);
            var pools = cluster.Client.ServiceProvider.GetRequiredService<IWorkPools>();
            var pool = pools.Pool("loss");
            await pool.GetStatusAsync();

            // Stop a silo that hosts neither the controller nor the membership table.
            var controllerId = (
                (GrainReference)cluster.Client.GetGrain<Replication.Work.ITaskControllerGrain>("loss")
            ).GrainId;
            Assert.True(cluster.TryGetGrainContext(controllerId, out var context));
            var victim = cluster.Silos.Skip(1).First(s => !s.SiloAddress.Equals(context.Address.SiloAddress));

            var mapped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var progress = new Progress(p =>
            {
                if (p.ChunksMapped >= 6)
                {
                    mapped.TrySetResult();
                }
            });
            var job = pool.WordCountAsync(
                [file],
                new MapReduceJob { Mapper = "slow-wordcount", ChunkBytes = 16 * 1024 },
                progress
            );
            await mapped.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(job.IsCompleted, "the job finished before a silo could be stopped");
            await cluster.StopSiloAsync(victim).WaitAsync(TimeSpan.FromSeconds(30));

            var result = await job.WaitAsync(TimeSpan.FromSeconds(40));

            TextGenerator.AssertSameCounts(TextGenerator.DirectCount(text), result.Counts);
            Assert.True(result.Job.Retries >= 1, $"no task ran again ({result.Job.Chunks} chunks)");
            var status = await pool.GetStatusAsync();
            Assert.Equal(2, status.Responders.Count(r => r.Healthy));
        }
        finally
        {
            await WorkCluster.StopAsync(cluster);
        }
    }

    private sealed class Progress(Action<MapReduceProgress> report) : IProgress<MapReduceProgress>
    {
        public void Report(MapReduceProgress value) => report(value);
    }
}
