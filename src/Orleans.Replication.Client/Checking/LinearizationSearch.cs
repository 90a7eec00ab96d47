namespace Orleans.Replication.Client.Checking;

/// <summary>
/// Decides whether one key's history is linearizable: the Wing &amp; Gong depth-first search with Lowe's memoization,
/// as in Porcupine.
/// </summary>
/// <remarks>
/// The search walks the timeline from its earliest entry. At a call it tries to place that operation next in the
/// order; it may, if the register allows it and the resulting (placed set, value) state is new. Placing lifts the
/// operation out and restarts from the earliest entry. Reaching a return means that operation had to be placed before
/// any later call, and no choice made so far allows it, so the search undoes its last placement and tries the next
/// candidate after it. An operation can only be placed while its call precedes every remaining return, which is
/// exactly the real-time order linearizability demands. The history is linearizable once every completed operation is
/// placed; operations of unknown outcome never block, since their returns come last.
/// </remarks>
internal sealed class LinearizationSearch
{
    private const int ClockCheckInterval = 1024;

    private readonly RegisterHistory _history;
    private readonly CallReturnTimeline _timeline;
    private readonly LinearizedSet _placed;
    private readonly SearchStateCache _cache = new();
    private readonly int[] _order;
    private readonly int[] _statesBefore;
    private int _depth;
    private SearchDeadEnd? _deepest;

    private LinearizationSearch(RegisterHistory history)
    {
        _history = history;
        _timeline = new CallReturnTimeline(history);
        _placed = new LinearizedSet(history.Count);
        _order = new int[history.Count];
        _statesBefore = new int[history.Count];
    }

    /// <summary>Checks the operations of key <paramref name="key"/> within <paramref name="budget"/>.</summary>
    public static KeyCheckResult Check(string key, IEnumerable<HistoryOperation> operations, SearchBudget budget)
    {
        var history = new RegisterHistory(operations);
        var search = new LinearizationSearch(history);
        var verdict = search.Run(budget);
        var violation = verdict == CheckVerdict.NotLinearizable
            ? ViolationReport.Describe(key, history, search._deepest!)
            : null;
        return new KeyCheckResult(key, verdict, history.Count, search._cache.Count, violation);
    }

    private CheckVerdict Run(SearchBudget budget)
    {
        var unplaced = _history.IsDefinite.Count(definite => definite);
        var state = 0;
        var entry = _timeline.First;
        long steps = 0;
        while (unplaced > 0)
        {
            if (++steps % ClockCheckInterval == 0 && budget.IsOverTime)
            {
                return CheckVerdict.Unknown;
            }

            if (CallReturnTimeline.IsCall(entry))
            {
                var operation = CallReturnTimeline.OperationOf(entry);
                if (_history.TryStep(operation, state, out var next) && TryPlace(operation, next))
                {
                    if (_cache.Count > budget.MaxStates)
                    {
                        return CheckVerdict.Unknown;
                    }

                    _order[_depth] = operation;
                    _statesBefore[_depth] = state;
                    _depth++;
                    state = next;
                    unplaced -= _history.IsDefinite[operation] ? 1 : 0;
                    _timeline.Lift(operation);
                    entry = _timeline.First;
                }
                else
                {
                    entry = _timeline.Next(entry);
                }

                continue;
            }

            RememberIfDeepest(entry, state);
            if (_depth == 0)
            {
                return CheckVerdict.NotLinearizable;
            }

            _depth--;
            var undone = _order[_depth];
            state = _statesBefore[_depth];
            _placed.Remove(undone);
            unplaced += _history.IsDefinite[undone] ? 1 : 0;
            _timeline.Unlift(undone);
            entry = _timeline.Next(2 * undone);
        }

        return CheckVerdict.Linearizable;
    }

    private bool TryPlace(int operation, int next)
    {
        _placed.Add(operation);
        if (_cache.TryAdd(_placed, next))
        {
            return true;
        }

        _placed.Remove(operation);
        return false;
    }

    private void RememberIfDeepest(int returnEntry, int state)
    {
        if (_deepest is not null && _depth <= _deepest.Order.Length)
        {
            return;
        }

        var pending = new List<int>();
        for (var entry = _timeline.First; entry != returnEntry; entry = _timeline.Next(entry))
        {
            if (CallReturnTimeline.IsCall(entry))
            {
                pending.Add(CallReturnTimeline.OperationOf(entry));
            }
        }

        var blocked = CallReturnTimeline.OperationOf(returnEntry);
        pending.Remove(blocked);
        _deepest = new SearchDeadEnd(_order[.._depth], state, blocked, [.. pending]);
    }
}
