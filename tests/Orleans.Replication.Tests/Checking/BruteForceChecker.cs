using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Tests.Checking;

/// <summary>
/// The definition of linearizability applied literally, for small histories: try every order of the operations that
/// respects real time, with none of the checker's reductions. The reference the checker is compared against.
/// </summary>
internal static class BruteForceChecker
{
    /// <summary>True when some order of the single key's <paramref name="history"/> fits a register.</summary>
    public static bool IsLinearizable(IReadOnlyList<HistoryOperation> history)
    {
        var operations = history
            .Where(o =>
                o.Outcome == OperationOutcome.Ok
                || (o.Outcome == OperationOutcome.Unknown && o.Kind != OperationKind.Read)
            )
            .ToList();
        Assert.True(operations.Count < 31, "the brute force works on small histories only");

        var mustPlace = 0;
        for (var i = 0; i < operations.Count; i++)
        {
            mustPlace |= operations[i].Outcome == OperationOutcome.Ok ? 1 << i : 0;
        }

        return Extend(operations, placed: 0, state: null, mustPlace, failed: []);
    }

    private static bool Extend(
        List<HistoryOperation> operations,
        int placed,
        string? state,
        int mustPlace,
        HashSet<(int, string?)> failed
    )
    {
        if ((placed & mustPlace) == mustPlace)
        {
            return true;
        }

        if (failed.Contains((placed, state)))
        {
            return false;
        }

        for (var i = 0; i < operations.Count; i++)
        {
            if ((placed & (1 << i)) != 0 || MustWaitFor(operations, placed, i))
            {
                continue;
            }

            var operation = operations[i];
            var next = operation.Kind switch
            {
                OperationKind.Write => (true, operation.Value),
                OperationKind.Read => (operation.Value == state, state),
                _ => (operation.ExpectedValue == state, operation.Value),
            };
            if (next.Item1 && Extend(operations, placed | (1 << i), next.Item2, mustPlace, failed))
            {
                return true;
            }
        }

        failed.Add((placed, state));
        return false;
    }

    /// <summary>
    /// True when an unplaced completed operation returned before operation <paramref name="i"/> was invoked.
    /// </summary>
    private static bool MustWaitFor(List<HistoryOperation> operations, int placed, int i)
    {
        for (var j = 0; j < operations.Count; j++)
        {
            var other = operations[j];
            if (
                j != i
                && (placed & (1 << j)) == 0
                && other.Outcome == OperationOutcome.Ok
                && other.CompleteTime < operations[i].InvokeTime
            )
            {
                return true;
            }
        }

        return false;
    }
}
