namespace Orleans.Replication.Client.Checking;

/// <summary>The operations of one key that matter to the search, with their values numbered, and the register model.</summary>
/// <remarks>
/// Failed operations took no effect and reads of unknown outcome say nothing, so neither is kept. Values are numbered
/// with 0 for absent, which is also the initial state, so a step compares integers instead of strings.
/// </remarks>
internal sealed class RegisterHistory
{
    private readonly OperationKind[] _kinds;
    private readonly int[] _values;
    private readonly int[] _expected;
    private readonly List<string?> _valueNames = [null];

    /// <summary>Keeps the operations of <paramref name="operations"/> (all of one key) that the search needs.</summary>
    public RegisterHistory(IEnumerable<HistoryOperation> operations)
    {
        Operations = [.. operations.Where(Matters)];
        var count = Operations.Length;
        _kinds = new OperationKind[count];
        _values = new int[count];
        _expected = new int[count];
        IsDefinite = new bool[count];
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var operation = Operations[i];
            _kinds[i] = operation.Kind;
            _values[i] = Number(operation.Value, numbers);
            _expected[i] = Number(operation.ExpectedValue, numbers);
            IsDefinite[i] = operation.Outcome == OperationOutcome.Ok;
        }
    }

    /// <summary>The operations kept, indexed as in the search.</summary>
    public HistoryOperation[] Operations { get; }

    /// <summary>Per operation: true when it completed (must be placed), false when its outcome is unknown (may be left out).</summary>
    public bool[] IsDefinite { get; }

    /// <summary>The operation count.</summary>
    public int Count => Operations.Length;

    /// <summary>Applies operation <paramref name="operation"/> to the register holding value number <paramref name="state"/>.</summary>
    /// <returns>False when the operation cannot take effect in that state with the result it had.</returns>
    /// <remarks>
    /// A compare-and-set of unknown outcome is only stepped when it would succeed: had it failed it changed nothing,
    /// which the search already covers by leaving it out.
    /// </remarks>
    public bool TryStep(int operation, int state, out int next)
    {
        next = state;
        switch (_kinds[operation])
        {
            case OperationKind.Write:
                next = _values[operation];
                return true;
            case OperationKind.Read:
                return state == _values[operation];
            default:
                if (state != _expected[operation])
                {
                    return false;
                }

                next = _values[operation];
                return true;
        }
    }

    /// <summary>True when operation <paramref name="operation"/> is a completed read of value number <paramref name="state"/>.</summary>
    public bool IsReadOf(int operation, int state) =>
        _kinds[operation] == OperationKind.Read && _values[operation] == state;

    /// <summary>The value that number <paramref name="state"/> stands for (null = absent).</summary>
    public string? ValueOf(int state) => _valueNames[state];

    private static bool Matters(HistoryOperation operation) => operation.Outcome switch
    {
        OperationOutcome.Ok => true,
        OperationOutcome.Unknown => operation.Kind != OperationKind.Read,
        _ => false,
    };

    private int Number(string? value, Dictionary<string, int> numbers)
    {
        if (value is null)
        {
            return 0;
        }

        if (!numbers.TryGetValue(value, out var number))
        {
            number = _valueNames.Count;
            numbers.Add(value, number);
            _valueNames.Add(value);
        }

        return number;
    }
}
