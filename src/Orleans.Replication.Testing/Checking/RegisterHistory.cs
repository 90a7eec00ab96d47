namespace Orleans.Replication.Testing.Checking;

/// <summary>
/// The operations of one key that matter to the search, with their values numbered, and the register model.
/// </summary>
/// <remarks>
/// Failed operations took no effect and reads of unknown outcome say nothing, so neither is kept; nor is an operation
/// of unknown outcome whose written value nothing needs, since taking effect or not is then indistinguishable. Values
/// are numbered with 0 for absent, which is also the initial state, so a step compares integers instead of strings.
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
        var kept = operations.Where(Matters).ToList();
        var needed = kept
            .Where(o => o.Kind != OperationKind.Write)
            .Select(o => o.Kind == OperationKind.Read ? o.Value : o.ExpectedValue)
            .ToHashSet(StringComparer.Ordinal);

        Operations = [.. kept.Where(o => o.Outcome == OperationOutcome.Ok || needed.Contains(o.Value))];
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

    /// <summary>
    /// Per operation: true when it completed (must be placed), false when its outcome is unknown (may be left out).
    /// </summary>
    public bool[] IsDefinite { get; }

    /// <summary>The operation count.</summary>
    public int Count => Operations.Length;

    /// <summary>How many values are numbered, absent included.</summary>
    public int ValueCount => _valueNames.Count;

    /// <summary>Applies operation <paramref name="operation"/> to the register holding value number
    /// <paramref name="state"/>.</summary>
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

    /// <summary>The value number a read returned, or a write or compare-and-set writes.</summary>
    public int ValueNumber(int operation) => _values[operation];

    /// <summary>True when operation <paramref name="operation"/> is an unconditional write.</summary>
    public bool IsWrite(int operation) => _kinds[operation] == OperationKind.Write;

    /// <summary>
    /// True when operation <paramref name="operation"/> writes (unconditionally or by compare-and-set).
    /// </summary>
    public bool Produces(int operation) => _kinds[operation] != OperationKind.Read;

    /// <summary>
    /// The value number operation <paramref name="operation"/> can only be placed on (a read's, a compare-and-set's
    /// expected), or -1.
    /// </summary>
    public int NeededValue(int operation) => _kinds[operation] switch
    {
        OperationKind.Read => _values[operation],
        OperationKind.Cas => _expected[operation],
        _ => -1,
    };

    /// <summary>
    /// Like <see cref="NeededValue"/>, but only for operations that must be placed: a compare-and-set of unknown
    /// outcome need not be, so it observes nothing.
    /// </summary>
    public int ObservedValue(int operation) => IsDefinite[operation] ? NeededValue(operation) : -1;

    /// <summary>The value that number <paramref name="state"/> stands for (null = absent).</summary>
    public string? ValueOf(int state) => _valueNames[state];

    /// <summary>
    /// An operation that observes a value no operation invoked before its completion writes (absent excepted: it is
    /// the initial value), or -1. Such an observer can never be placed; finding it up front spares a search.
    /// </summary>
    public int FindUnwrittenObservation()
    {
        var firstWritten = new long[ValueCount];
        Array.Fill(firstWritten, long.MaxValue);
        firstWritten[0] = long.MinValue;
        for (var i = 0; i < Count; i++)
        {
            if (Produces(i))
            {
                firstWritten[_values[i]] = Math.Min(firstWritten[_values[i]], Operations[i].InvokeTime);
            }
        }

        for (var i = 0; i < Count; i++)
        {
            if (ObservedValue(i) is var observed and >= 0 && firstWritten[observed] > Operations[i].CompleteTime)
            {
                return i;
            }
        }

        return -1;
    }

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
