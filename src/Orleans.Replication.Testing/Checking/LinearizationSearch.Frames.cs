namespace Orleans.Replication.Testing.Checking;

/// <summary>The stack of placed operations, and undoing them.</summary>
internal sealed partial class LinearizationSearch
{
    private readonly int[] _order;
    private readonly int[] _statesBefore;
    private readonly Frame[] _frames;
    private readonly int[] _observersLeft;
    private readonly int[] _needersLeft;
    private readonly int[] _producersLeft;
    private int _depth;

    /// <summary>Why an operation was placed, which decides how backtracking treats it.</summary>
    private enum Frame : byte
    {
        /// <summary>One candidate among others: on failure, try the candidates after it.</summary>
        Choice,

        /// <summary>The only useful move: on failure, the state before it fails too.</summary>
        Forced,

        /// <summary>A blind write placed with the choice above it; undone with that choice.</summary>
        Companion,
    }

    /// <summary>
    /// Places <paramref name="operation"/>, leaving value <paramref name="next"/>, unless that state was seen.
    /// </summary>
    private bool TryPlace(int operation, int next, Frame frame)
    {
        _placed.Add(operation);
        if (!_cache.TryAdd(_placed, next))
        {
            _placed.Remove(operation);
            return false;
        }

        _placed.Remove(operation);
        Push(operation, next, frame);
        return true;
    }

    private void Push(int operation, int next, Frame frame)
    {
        _placed.Add(operation);
        _order[_depth] = operation;
        _statesBefore[_depth] = _state;
        _frames[_depth] = frame;
        _depth++;
        _state = next;
        _unplaced -= _history.IsDefinite[operation] ? 1 : 0;
        Count(operation, -1);
        _timeline.Lift(operation);
    }

    private int Undo()
    {
        _depth--;
        var operation = _order[_depth];
        _state = _statesBefore[_depth];
        _placed.Remove(operation);
        _unplaced += _history.IsDefinite[operation] ? 1 : 0;
        Count(operation, +1);
        _timeline.Unlift(operation);
        return operation;
    }

    /// <summary>
    /// True when placing <paramref name="operation"/>, moving the register from its current value to
    /// <paramref name="next"/>, would strand an observer: an unplaced read or completed compare-and-set needs the
    /// current value, and no unplaced operation can write it again, so that observer could never be placed. Pruning
    /// here finds such dead ends at once instead of at the observer's return.
    /// </summary>
    /// <remarks>
    /// <paramref name="operation"/>, the one about to be placed, may itself be an observer of the value.
    /// </remarks>
    private bool StrandsAnObserver(int operation, int next)
    {
        if (next == _state || _producersLeft[_state] > 0)
        {
            return false;
        }

        var others = _observersLeft[_state] - (_history.ObservedValue(operation) == _state ? 1 : 0);
        return others > 0;
    }

    /// <summary>
    /// True when unplaced operations need <paramref name="value"/> and nothing unplaced can write it again.
    /// </summary>
    private bool IsValueHeld(int value) => _observersLeft[value] > 0 && _producersLeft[value] == 0;

    private void Count(int operation, int delta)
    {
        if (_history.ObservedValue(operation) is var observed and >= 0)
        {
            _observersLeft[observed] += delta;
        }

        if (_history.NeededValue(operation) is var needed and >= 0)
        {
            _needersLeft[needed] += delta;
        }

        if (_history.Produces(operation))
        {
            _producersLeft[_history.ValueNumber(operation)] += delta;
        }
    }

    /// <summary>
    /// Undoes placements back to the last free choice, and returns where to look for the next candidate: just after
    /// that choice. False when no choice is left: the history is not linearizable.
    /// </summary>
    private bool TryBacktrack(out int entry)
    {
        while (_depth > 0)
        {
            var frame = _frames[_depth - 1];
            var operation = Undo();
            if (frame == Frame.Choice)
            {
                while (_depth > 0 && _frames[_depth - 1] == Frame.Companion)
                {
                    Undo();
                }

                // Read only now: putting the companions back may have changed what follows the choice.
                entry = _timeline.Next(2 * operation);
                return true;
            }
        }

        entry = _timeline.First;
        return false;
    }
}
