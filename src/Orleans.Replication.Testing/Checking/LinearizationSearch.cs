namespace Orleans.Replication.Testing.Checking;

/// <summary>
/// Decides whether one key's history is linearizable: the Wing &amp; Gong depth-first search with Lowe's memoization,
/// as in Porcupine, with three register-specific reductions.
/// </summary>
/// <remarks>
/// <para>
/// The search walks the timeline from its earliest entry. At a call it tries to place that operation next in the
/// order; it may, if the register allows it and the resulting (placed set, value) state is new. Placing lifts the
/// operation out and restarts from the earliest entry. Reaching a return means that operation had to be placed before
/// any later call, and no choice made so far allows it, so the search undoes its last choice and tries the next
/// candidate after it. An operation can only be placed while its call precedes every remaining return, which is
/// exactly the real-time order linearizability demands. The history is linearizable once every completed operation is
/// placed; operations of unknown outcome never block, since their returns come last.
/// </para>
/// <para>
/// Forced reads: a candidate read of the current value is placed at once and is never a branch point. If any valid
/// order continues from here, moving that read to its front keeps it valid: the read changes nothing, and its call
/// precedes every pending return. So when the state after a forced read fails, the state before it fails too.
/// </para>
/// <para>
/// Blind writes: a write is blind once no unplaced operation needs its value (no read returns it, no compare-and-set
/// expects it). Placed, it could only be followed by another write, so it changes nothing any later operation sees.
/// A blind write (or compare-and-set) of unknown outcome is therefore never placed. A completed blind write is never
/// chosen on its own: whenever a write is chosen, every blind write that is a candidate then is placed just before it
/// as a companion, and a blind write whose return comes up is placed there, forced. Any valid order can be rearranged
/// into that form by moving each blind write earlier, to just before a write at which it is a candidate. Without
/// this, the search would try every subset of concurrent writes, exponential in concurrency.
/// </para>
/// <para>
/// Stranded observers: the register does not leave a value while an unplaced read or completed compare-and-set still
/// needs it and nothing unplaced can write it again (see <see cref="StrandsAnObserver"/>).
/// </para>
/// <para>
/// Whether a write is blind, and whether a value is stranded, depend only on the placed set, so the memoization on
/// (placed set, value) stays sound.
/// </para>
/// </remarks>
internal sealed partial class LinearizationSearch
{
    private const int ClockCheckInterval = 1024;

    private readonly RegisterHistory _history;
    private readonly CallReturnTimeline _timeline;
    private readonly LinearizedSet _placed;
    private readonly SearchStateCache _cache = new();
    private int _state;
    private int _unplaced;

    private LinearizationSearch(RegisterHistory history)
    {
        _history = history;
        _timeline = new CallReturnTimeline(history);
        _placed = new LinearizedSet(history.Count);
        _order = new int[history.Count];
        _statesBefore = new int[history.Count];
        _frames = new Frame[history.Count];
        _observersLeft = new int[history.ValueCount];
        _needersLeft = new int[history.ValueCount];
        _producersLeft = new int[history.ValueCount];
        _unplaced = history.IsDefinite.Count(definite => definite);
        for (var operation = 0; operation < history.Count; operation++)
        {
            Count(operation, +1);
        }
    }

    /// <summary>Checks the operations of key <paramref name="key"/> within <paramref name="budget"/>.</summary>
    public static KeyCheckResult Check(string key, IEnumerable<HistoryOperation> operations, SearchBudget budget)
    {
        var history = new RegisterHistory(operations);
        if (history.FindUnwrittenObservation() is var unwritten and >= 0)
        {
            var report = ViolationReport.DescribeUnwritten(key, history, unwritten);
            return new KeyCheckResult(key, CheckVerdict.NotLinearizable, history.Count, 0, report);
        }

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
            if ((steps++ % ClockCheckInterval == 0 && budget.IsOverTime) || _cache.Count > budget.MaxStates)
            {
                return CheckVerdict.Unknown;
            }

            var operation = CallReturnTimeline.OperationOf(entry);
            bool placed;
            if (restarted && FindForcedRead() is var read and >= 0)
            {
                placed = TryPlace(read, _state, Frame.Forced);
            }
            else if (CallReturnTimeline.IsCall(entry))
            {
                placed = !IsLeftForLater(operation) && TryChoose(operation);
                restarted = placed;
                entry = placed ? _timeline.First : _timeline.Next(entry);
                continue;
            }
            else
            {
                placed = IsBlind(operation) && TryPlaceUrgentBlindWrite(operation);
                if (!placed)
                {
                    RememberIfDeepest(entry);
                }
            }

            restarted = placed;
            if (placed)
            {
                entry = _timeline.First;
            }
            else if (!TryBacktrack(out entry))
            {
                return CheckVerdict.NotLinearizable;
            }
        }

        return CheckVerdict.Linearizable;
    }

    /// <summary>True when <paramref name="operation"/> writes a value no unplaced operation needs.</summary>
    private bool IsBlind(int operation) =>
        _history.Produces(operation) && _needersLeft[_history.ValueNumber(operation)] == 0;

    /// <summary>
    /// True for a blind operation the scan does not choose: a completed blind write (placed as a companion or when its
    /// return comes up) or a blind operation of unknown outcome (never placed).
    /// </summary>
    private bool IsLeftForLater(int operation) =>
        IsBlind(operation) && (_history.IsWrite(operation) || !_history.IsDefinite[operation]);

    /// <summary>The first candidate read of the current value, or -1.</summary>
    private int FindForcedRead()
    {
        for (var entry = _timeline.First; CallReturnTimeline.IsCall(entry); entry = _timeline.Next(entry))
        {
            var operation = CallReturnTimeline.OperationOf(entry);
            if (!_history.Produces(operation) && _history.ValueNumber(operation) == _state)
            {
                return operation;
            }
        }

        return -1;
    }

    /// <summary>
    /// Places <paramref name="operation"/> as a free choice, with its blind companions if it is a write.
    /// </summary>
    private bool TryChoose(int operation)
    {
        if (!_history.TryStep(operation, _state, out var next) || StrandsAnObserver(operation, next))
        {
            return false;
        }

        var depthBefore = _depth;
        if (_history.IsWrite(operation))
        {
            PlaceBlindCompanions();
        }

        if (TryPlace(operation, next, Frame.Choice))
        {
            return true;
        }

        while (_depth > depthBefore)
        {
            Undo();
        }

        return false;
    }

    /// <summary>
    /// Places every completed blind write that is a candidate, widening the candidates as their returns leave.
    /// </summary>
    private void PlaceBlindCompanions()
    {
        for (var entry = _timeline.First; CallReturnTimeline.IsCall(entry); entry = _timeline.Next(entry))
        {
            var operation = CallReturnTimeline.OperationOf(entry);
            if (_history.IsWrite(operation) && _history.IsDefinite[operation] && IsBlind(operation))
            {
                Push(operation, _history.ValueNumber(operation), Frame.Companion);
            }
        }
    }

    /// <summary>Places the completed blind write whose return has come up, if that is a valid move.</summary>
    /// <remarks>A blind compare-and-set is chosen like any operation, so it is not placed here.</remarks>
    private bool TryPlaceUrgentBlindWrite(int operation)
    {
        var next = _history.ValueNumber(operation);
        return _history.IsWrite(operation)
            && !StrandsAnObserver(operation, next)
            && TryPlace(operation, next, Frame.Forced);
    }
}
