namespace Orleans.Replication.Testing.Checking;

/// <summary>Checks that a recorded history of register operations is linearizable, key by key.</summary>
/// <remarks>
/// <para>
/// Model: every key is an independent register, initially absent. A write sets it; a read returns it; a
/// compare-and-set sets the new value only when the register holds the expected one. Linearizability is compositional,
/// so keys are checked separately, which keeps each search small.
/// </para>
/// <para>
/// Failed operations took no effect and are dropped, so a read of a failed write's value is a violation. An operation
/// of unknown outcome may take effect at any moment after its invocation, or never; a read of unknown outcome says
/// nothing and is dropped. A compare-and-set reported <see cref="OperationOutcome.Fail"/> is taken as having had no
/// effect; the observation that the register differed from its expected value is not used.
/// </para>
/// <para>
/// Each key is searched with the Wing &amp; Gong algorithm and Lowe's memoization (see
/// <see cref="LinearizationSearch"/>), within the budget of <see cref="CheckOptions"/>; keys run one after another.
/// </para>
/// </remarks>
public static class LinearizabilityChecker
{
    /// <summary>Checks <paramref name="history"/>.</summary>
    /// <param name="history">The operations, of any keys and in any order.</param>
    /// <param name="options">The search budget; <see cref="CheckOptions.Default"/> when null.</param>
    /// <returns>The combined verdict, with a result per key in ordinal order of key.</returns>
    /// <exception cref="ArgumentException">An operation is inconsistent, such as ok without a completion
    /// time.</exception>
    public static CheckResult Check(IEnumerable<HistoryOperation> history, CheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        options ??= CheckOptions.Default;
        options.Validate();

        var byKey = new SortedDictionary<string, List<HistoryOperation>>(StringComparer.Ordinal);
        foreach (var operation in history)
        {
            Validate(operation);
            if (!byKey.TryGetValue(operation.Key, out var operations))
            {
                operations = [];
                byKey.Add(operation.Key, operations);
            }

            operations.Add(operation);
        }

        var budget = new SearchBudget(options);
        var results = byKey.Select(pair => LinearizationSearch.Check(pair.Key, pair.Value, budget)).ToList();
        return new CheckResult(results);
    }

    private static void Validate(HistoryOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation, nameof(operation));
        if (operation.Key is null)
        {
            throw new ArgumentException($"Operation {operation} has no key.", nameof(operation));
        }

        if (operation.Outcome == OperationOutcome.Ok && operation.CompleteTime is null)
        {
            throw new ArgumentException($"Operation {operation} is ok but has no completion time.", nameof(operation));
        }

        if (operation.CompleteTime < operation.InvokeTime)
        {
            throw new ArgumentException($"Operation {operation} completes before it is invoked.", nameof(operation));
        }

        if (!Enum.IsDefined(operation.Kind) || !Enum.IsDefined(operation.Outcome))
        {
            throw new ArgumentException($"Operation {operation} has an undefined kind or outcome.", nameof(operation));
        }
    }
}
