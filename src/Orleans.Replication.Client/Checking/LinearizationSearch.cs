namespace Orleans.Replication.Client.Checking;

/// <summary>
/// Decides whether one key's history is linearizable: the Wing &amp; Gong depth-first search with Lowe's memoization,
/// as in Porcupine, plus forced placement of reads.
/// </summary>
/// <remarks>
/// <para>
/// The search walks the timeline from its earliest entry. At a call it tries to place that operation next in the
/// order; it may, if the register allows it and the resulting (placed set, value) state is new. Placing lifts the
/// operation out and restarts from the earliest entry. Reaching a return means that operation had to be placed before
/// any later call, and no choice made so far allows it, so the search undoes its last placement and tries the next
/// candidate after it. An operation can only be placed while its call precedes every remaining return, which is
/// exactly the real-time order linearizability demands. The history is linearizable once every completed operation is
/// placed; operations of unknown outcome never block, since their returns come last.
/// </para>
/// <para>
/// Forced reads: a candidate read of the current value is placed at once, before any other choice, and is never a
/// branch point. This is safe because if any valid order continues from here, moving that read to its front keeps it
/// valid: the read changes nothing, and its call precedes every pending return, so no real-time constraint breaks.
/// Hence when the state after a forced read fails, the state before it fails too. Without this, the search would try
/// subsets of concurrent writes before each read, exponential in concurrency.
/// </para>
/// </remarks>
internal sealed partial class LinearizationSearch
{
    private const int ClockCheckInterval = 1024;

    private readonly RegisterHistory _history;
    private readonly CallReturnTimeline _timeline;
    private readonly LinearizedSet _placed;
    private readonly SearchStateCache _cache = new();
    private readonly int[] _order;
    private readonly int[] _statesBefore;
    private readonly bool[] _forced;
    private int _depth;
    private int _state;
    private int _unplaced;
    private SearchDeadEnd? _deepest;

    private LinearizationSearch(RegisterHistory history)
    {
        _history = history;
        _timeline = new CallReturnTimeline(history);
        _placed = new LinearizedSet(history.Count);
        _order = new int[history.Count];
        _statesBefore = new int[history.Count];
        _forced = new bool[history.Count];
        _unplaced = history.IsDefinite.Count(definite => definite);
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
        var entry = _timeline.First;
        var restarted = true;
        long steps = 0;
        while (_unplaced > 0)
        {
            if (++steps % ClockCheckInterval == 0 && budget.IsOverTime)
            {
                return CheckVerdict.Unknown;
            }

            if (_cache.Count > budget.MaxStates)
            {
                return CheckVerdict.Unknown;
            }

            if (restarted && FindForcedRead() is var read and >= 0)
            {
                if (TryPlace(read, _state, forced: true))
                {
                    entry = _timeline.First;
                    continue;
                }

                // Placing the read was explored before and failed, so this state fails too.
                restarted = false;
                if (!TryBacktrack(out entry))
                {
                    return CheckVerdict.NotLinearizable;
                }

                continue;
            }

            restarted = false;
            if (CallReturnTimeline.IsCall(entry))
            {
                var operation = CallReturnTimeline.OperationOf(entry);
                if (_history.TryStep(operation, _state, out var next) && TryPlace(operation, next, forced: false))
                {
                    entry = _timeline.First;
                    restarted = true;
                }
                else
                {
                    entry = _timeline.Next(entry);
                }

                continue;
            }

            RememberIfDeepest(entry);
            if (!TryBacktrack(out entry))
            {
                return CheckVerdict.NotLinearizable;
            }
        }

        return CheckVerdict.Linearizable;
    }

    /// <summary>The first candidate read of the current value, or -1.</summary>
    private int FindForcedRead()
    {
        for (var entry = _timeline.First; CallReturnTimeline.IsCall(entry); entry = _timeline.Next(entry))
        {
            var operation = CallReturnTimeline.OperationOf(entry);
            if (_history.IsReadOf(operation, _state))
            {
                return operation;
            }
        }

        return -1;
    }

    /// <summary>Places <paramref name="operation"/>, leaving value <paramref name="next"/>, unless that state was seen.</summary>
    private bool TryPlace(int operation, int next, bool forced)
    {
        _placed.Add(operation);
        if (!_cache.TryAdd(_placed, next))
        {
            _placed.Remove(operation);
            return false;
        }

        _order[_depth] = operation;
        _statesBefore[_depth] = _state;
        _forced[_depth] = forced;
        _depth++;
        _state = next;
        _unplaced -= _history.IsDefinite[operation] ? 1 : 0;
        _timeline.Lift(operation);
        return true;
    }

    /// <summary>
    /// Undoes placements back to the last free choice, and returns where to look for the next candidate: just after
    /// that choice. False when no choice is left: the history is not linearizable.
    /// </summary>
    private bool TryBacktrack(out int entry)
    {
        while (_depth > 0)
        {
            _depth--;
            var undone = _order[_depth];
            _state = _statesBefore[_depth];
            _placed.Remove(undone);
            _unplaced += _history.IsDefinite[undone] ? 1 : 0;
            _timeline.Unlift(undone);
            if (!_forced[_depth])
            {
                entry = _timeline.Next(2 * undone);
                return true;
            }
        }

        entry = _timeline.First;
        return false;
    }
}
