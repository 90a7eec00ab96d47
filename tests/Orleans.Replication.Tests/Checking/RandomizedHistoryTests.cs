using System.Diagnostics;
using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Tests.Checking;

/// <summary>
/// Histories of simulated registers: valid by construction, then corrupted; and the search's cost and budget.
/// </summary>
public sealed class RandomizedHistoryTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void SimulatedHistory_IsLinearizable_AndAStaleReadPlantedInItIsFound(int seed)
    {
        var history = RegisterSimulation.Generate(
            seed,
            operations: 600,
            concurrency: 8,
            keys: 3,
            unknownRate: 0.05,
            failRate: 0.05
        );

        var valid = LinearizabilityChecker.Check(history);
        Assert.True(valid.IsLinearizable, valid.ToString());

        var (index, staleValue) = FindReadToMakeStale(history);
        var corrupted = history.ToList();
        corrupted[index] = history[index] with { Value = staleValue };

        var result = LinearizabilityChecker.Check(corrupted);
        Assert.Equal(CheckVerdict.NotLinearizable, result.Verdict);
        Assert.Equal(history[index].Key, result.FirstViolation?.Key);
        Assert.Single(result.Keys, k => !k.IsLinearizable);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(50)]
    public void TwoThousandOperationsOnOneKey_AreCheckedQuickly(int concurrency)
    {
        var history = RegisterSimulation.Generate(seed: 42, operations: 2000, concurrency);

        var clock = Stopwatch.StartNew();
        var result = LinearizabilityChecker.Check(history);
        clock.Stop();

        Assert.True(result.IsLinearizable, result.ToString());
        Assert.True(
            clock.Elapsed < TimeSpan.FromSeconds(20),
            $"took {clock.Elapsed}, {result.Keys[0].StatesExplored} states"
        );
    }

    [Fact]
    public void FortyOverlappingWrites_DoNotExplodeTheSearch()
    {
        // Every subset of the writes could come before the one read: 2^40 orders for a naive search.
        var history = Enumerable.Range(0, 40).Select(i => Ops.Write(i, $"v{i}", 0, 100)).ToList();
        history.Add(Ops.Read(40, "v17", 110, 120));
        var valid = LinearizabilityChecker.Check(history);

        history.Add(Ops.Read(40, "v3", 130, 140));
        var invalid = LinearizabilityChecker.Check(history);

        Assert.True(valid.IsLinearizable, valid.ToString());
        Assert.Equal(CheckVerdict.NotLinearizable, invalid.Verdict);
        Assert.True(invalid.Keys[0].StatesExplored < 10_000, $"{invalid.Keys[0].StatesExplored} states");
    }

    [Fact]
    public void ExhaustedStateBudget_GivesUnknown_NotValid()
    {
        var history = RegisterSimulation.Generate(seed: 5, operations: 100, concurrency: 5);

        var result = LinearizabilityChecker.Check(history, new CheckOptions { MaxStates = 10 });

        Assert.Equal(CheckVerdict.Unknown, result.Verdict);
        Assert.True(result.TimedOut);
        Assert.False(result.IsLinearizable);
        Assert.Null(result.FirstViolation);
    }

    [Fact]
    public void ExhaustedTimeBudget_GivesUnknown_NotValid()
    {
        var history = RegisterSimulation.Generate(seed: 6, operations: 2000, concurrency: 20);

        var result = LinearizabilityChecker.Check(history, new CheckOptions { MaxDuration = TimeSpan.Zero });

        Assert.Equal(CheckVerdict.Unknown, result.Verdict);
        Assert.True(result.Keys[0].TimedOut);
    }

    /// <summary>
    /// A completed read invoked after two writes that completed one before the other was invoked: the first write's
    /// value is gone for good by then (values are unique), so reading it is stale.
    /// </summary>
    private static (int Index, string StaleValue) FindReadToMakeStale(List<HistoryOperation> history)
    {
        var writes = history.Where(o => o.Kind == OperationKind.Write && o.Outcome == OperationOutcome.Ok).ToList();
        for (var i = 0; i < history.Count; i++)
        {
            var read = history[i];
            if (read.Kind != OperationKind.Read || read.Outcome != OperationOutcome.Ok)
            {
                continue;
            }

            var sameKey = writes.Where(w => w.Key == read.Key && w.CompleteTime < read.InvokeTime).ToList();
            var overwritten = sameKey.FirstOrDefault(first =>
                sameKey.Any(second => first.CompleteTime < second.InvokeTime)
            );
            if (overwritten is not null && overwritten.Value != read.Value)
            {
                return (i, overwritten.Value!);
            }
        }

        throw new InvalidOperationException("The simulated history has no read that can be made stale.");
    }
}
