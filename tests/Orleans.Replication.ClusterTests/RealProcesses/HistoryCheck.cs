using System.Collections.Concurrent;
using Orleans.Replication.Client;
using Orleans.Replication.Testing.Checking;
using Xunit;
using Xunit.Abstractions;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>
/// What a fault run must end with: no session went back, nothing acknowledged lost, a linearizable history.
/// </summary>
internal static class HistoryCheck
{
    private static readonly ReadOptions Strong = new()
    {
        Consistency = ReadConsistency.Strong,
        Timeout = TimeSpan.FromSeconds(15),
    };

    public static async Task AssertNothingLostAndLinearizableAsync(
        IReplicatedGroup group,
        Workload workload,
        ITestOutputHelper output
    )
    {
        Assert.True(workload.SessionViolations.Count == 0, string.Join("\n", workload.SessionViolations.Take(10)));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        // (a) every acknowledged write is there at the end
        var lost = await LostWritesAsync(group, workload);
        Assert.True(
            lost.Count == 0,
            $"{lost.Count} of {workload.AckedUniqueWrites.Count} acknowledged writes lost: " +
            $"{string.Join(", ", lost.Take(10))}"
        );

        // (b) the history of the shared keys, with a final read of each, is linearizable
        var history = workload.History.ToList();
        foreach (var key in history.Select(h => h.Key).Distinct().ToList())
        {
            var invoked = Workload.Now;
            var read = await group.GetAsync(key, Strong);
            history.Add(
                new HistoryOperation(
                    99_999,
                    OperationKind.Read,
                    key,
                    read.Found ? read.ValueAsString : null,
                    null,
                    invoked,
                    Workload.Now,
                    OperationOutcome.Ok
                )
            );
        }

        var result = LinearizabilityChecker.Check(history, new CheckOptions { MaxDuration = TimeSpan.FromSeconds(60) });
        output.WriteLine(
            $"{history.Count} operations on {history.Select(h => h.Key).Distinct().Count()} keys, " +
            $"{workload.AckedUniqueWrites.Count} unique acknowledged writes: {result} (checked in " +
            $"{watch.Elapsed.TotalSeconds:0.0} s)"
        );
        Assert.False(result.TimedOut, "the linearizability check ran out of time");
        Assert.True(result.IsLinearizable, result.FirstViolation?.ToString());
    }

    /// <summary>The acknowledged unique writes that a Strong read does not find, as "key=value (read …)".</summary>
    public static async Task<IReadOnlyCollection<string>> LostWritesAsync(IReplicatedGroup group, Workload workload)
    {
        var lost = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(
            workload.AckedUniqueWrites,
            new ParallelOptions { MaxDegreeOfParallelism = 32 },
            async (write, _) =>
            {
                var read = await group.GetAsync(write.Key, Strong);
                if (read.ValueAsString != write.Value)
                {
                    lost.Add($"{write.Key}={write.Value} (read {read.ValueAsString ?? "absent"})");
                }
            });
        return lost;
    }
}
