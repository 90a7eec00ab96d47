using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Tests.Checking;

/// <summary>
/// Generates linearizable histories by running random concurrent clients against real in-memory registers: every
/// operation takes effect at one instant strictly between its invocation and its completion.
/// </summary>
/// <remarks>
/// Written values are unique, so a read names the one write it saw. Some operations fail without effect and some end
/// with an unknown outcome, having taken effect or not; a process whose operation ended unknown is retired and its
/// slot continues under a new process number, as in Jepsen.
/// </remarks>
internal sealed class RegisterSimulation
{
    private readonly Random _random;
    private readonly string[] _keys;
    private readonly Dictionary<string, string?> _registers = [];
    private readonly List<string> _written = [];
    private readonly List<HistoryOperation> _history = [];
    private long _now;
    private int _nextValue;

    private RegisterSimulation(int seed, int keys)
    {
        _random = new Random(seed);
        _keys = [.. Enumerable.Range(0, keys).Select(i => $"key-{i}")];
    }

    /// <summary>Simulates <paramref name="operations"/> operations by <paramref name="concurrency"/> clients.</summary>
    public static List<HistoryOperation> Generate(
        int seed,
        int operations,
        int concurrency,
        int keys = 1,
        double unknownRate = 0.02,
        double failRate = 0.02
    )
    {
        var simulation = new RegisterSimulation(seed, keys);
        var slots = new InFlight?[concurrency];
        var processes = Enumerable.Range(0, concurrency).ToArray();
        var nextProcess = concurrency;
        var invoked = 0;
        while (invoked < operations || slots.Any(s => s is not null))
        {
            var slot = simulation._random.Next(concurrency);
            var flight = slots[slot];
            if (flight is null)
            {
                if (invoked < operations)
                {
                    slots[slot] = simulation.Invoke(processes[slot], unknownRate, failRate);
                    invoked++;
                }
            }
            else if (!flight.Applied)
            {
                simulation.Apply(flight);
            }
            else
            {
                simulation.Complete(flight);
                slots[slot] = null;
                if (flight.Operation.Outcome == OperationOutcome.Unknown)
                {
                    processes[slot] = nextProcess++;
                }
            }
        }

        return simulation._history;
    }

    private InFlight Invoke(int process, double unknownRate, double failRate)
    {
        var key = _keys[_random.Next(_keys.Length)];
        var roll = _random.NextDouble();
        var kind = roll < 0.4 ? OperationKind.Write : roll < 0.8 ? OperationKind.Read : OperationKind.Cas;
        string? value = kind == OperationKind.Read ? null : $"v{_nextValue++}";
        string? expected = null;
        if (kind == OperationKind.Cas)
        {
            expected =
                _random.Next(2) == 0 || _written.Count == 0
                    ? _registers.GetValueOrDefault(key)
                    : _written[_random.Next(_written.Count)];
        }

        var fate = _random.NextDouble();
        var outcome =
            fate < unknownRate ? OperationOutcome.Unknown
            : fate < unknownRate + failRate ? OperationOutcome.Fail
            : OperationOutcome.Ok;
        var operation = new HistoryOperation(process, kind, key, value, expected, ++_now, null, outcome);
        return new InFlight(operation);
    }

    private void Apply(InFlight flight)
    {
        _now++;
        flight.Applied = true;
        var operation = flight.Operation;
        var takesEffect =
            operation.Outcome == OperationOutcome.Ok
            || (operation.Outcome == OperationOutcome.Unknown && _random.Next(2) == 0);
        if (!takesEffect)
        {
            return;
        }

        var current = _registers.GetValueOrDefault(operation.Key);
        switch (operation.Kind)
        {
            case OperationKind.Read:
                flight.Operation = operation with { Value = operation.Outcome == OperationOutcome.Ok ? current : null };
                break;
            case OperationKind.Cas when current != operation.ExpectedValue:
                // The compare failed: no effect, and the client is told so.
                flight.Operation = operation with
                {
                    Outcome = operation.Outcome == OperationOutcome.Ok ? OperationOutcome.Fail : operation.Outcome,
                };
                break;
            default:
                _registers[operation.Key] = operation.Value;
                _written.Add(operation.Value!);
                break;
        }
    }

    private void Complete(InFlight flight)
    {
        var operation = flight.Operation;
        long? completed = operation.Outcome == OperationOutcome.Unknown && _random.Next(2) == 0 ? null : ++_now;
        _history.Add(operation with { CompleteTime = completed });
    }

    private sealed class InFlight(HistoryOperation operation)
    {
        public HistoryOperation Operation { get; set; } = operation;

        public bool Applied { get; set; }
    }
}
