using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Tests.Checking;

/// <summary>The checker against the brute-force definition, on many small random histories, valid and not.</summary>
/// <remarks>This guards the search's reductions (forced reads, blind writes, stranded observers), which the brute force
/// lacks.</remarks>
public sealed class ReferenceCheckerTests
{
    private static readonly string?[] SmallDomain = ["a", "b", "c", null];

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void RandomHistories_GetTheBruteForceVerdict(int seed, bool uniqueValues)
    {
        var random = new Random(seed);
        var valid = 0;
        for (var round = 0; round < 3000; round++)
        {
            var history = RandomHistory(random, uniqueValues);

            var expected = BruteForceChecker.IsLinearizable(history);
            var result = LinearizabilityChecker.Check(history);

            Assert.True(
                expected == result.IsLinearizable,
                $"round {round}: expected {expected}, got {result}\n{string.Join("\n", history)}"
            );
            valid += expected ? 1 : 0;
        }

        // Both verdicts must be well represented for the comparison to mean anything.
        Assert.InRange(valid, 600, 2400);
    }

    [Fact]
    public void SimulatedHistoriesWithOneMutation_GetTheBruteForceVerdict()
    {
        var random = new Random(3);
        for (var round = 0; round < 2000; round++)
        {
            var history = RegisterSimulation.Generate(
                random.Next(),
                random.Next(4, 13),
                random.Next(2, 6),
                unknownRate: 0.2,
                failRate: 0.1
            );
            var i = random.Next(history.Count);
            var values = history.Select(o => o.Value).Append(null).ToList();
            history[i] = random.Next(3) switch
            {
                0 => history[i] with { Value = values[random.Next(values.Count)] },
                1 => history[i] with { ExpectedValue = values[random.Next(values.Count)] },
                _ => history[i] with { InvokeTime = Math.Max(0, history[i].InvokeTime - random.Next(5)) },
            };

            var expected = BruteForceChecker.IsLinearizable(history);
            var result = LinearizabilityChecker.Check(history);

            Assert.True(
                expected == result.IsLinearizable,
                $"round {round}: expected {expected}, got {result}\n{string.Join("\n", history)}"
            );
        }
    }

    /// <summary>Up to 14 operations of random kinds, values, overlaps (ties included) and outcomes.</summary>
    private static List<HistoryOperation> RandomHistory(Random random, bool uniqueValues)
    {
        var history = new List<HistoryOperation>();
        var written = 0;
        string? AnyValue() => uniqueValues
            ? (random.Next(4) == 0 ? null : $"u{random.Next(written + 1)}")
            : SmallDomain[random.Next(SmallDomain.Length)];

        for (var i = random.Next(1, 15); i > 0; i--)
        {
            var kind = (OperationKind)random.Next(3);
            var value = kind == OperationKind.Read ? AnyValue() : uniqueValues ? $"u{written++}" : AnyValue();
            var expected = kind == OperationKind.Cas ? AnyValue() : null;
            long invoke = random.Next(0, 30);
            var roll = random.Next(10);
            var outcome =
                roll < 6 ? OperationOutcome.Ok
                : roll < 7 ? OperationOutcome.Fail
                : OperationOutcome.Unknown;
            long? complete =
                outcome == OperationOutcome.Unknown && random.Next(2) == 0 ? null : invoke + random.Next(0, 10);
            history.Add(new HistoryOperation(i, kind, "k", value, expected, invoke, complete, outcome));
        }

        return history;
    }
}
