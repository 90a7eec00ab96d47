namespace Orleans.Replication.Testing.Checking;

/// <summary>Remembering where a failing search got furthest, for the violation report.</summary>
internal sealed partial class LinearizationSearch
{
    private SearchDeadEnd? _deepest;

    /// <summary>
    /// Records the dead end at <paramref name="returnEntry"/> if the order placed is the longest yet.
    /// </summary>
    private void RememberIfDeepest(int returnEntry)
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
        var stranded = new List<int>();
        if (IsValueHeld(_state))
        {
            for (var operation = 0; operation < _history.Count; operation++)
            {
                if (!_placed.Contains(operation) && _history.ObservedValue(operation) == _state)
                {
                    stranded.Add(operation);
                }
            }
        }

        _deepest = new SearchDeadEnd(_order[.._depth], _state, blocked, [.. pending], [.. stranded]);
    }
}
