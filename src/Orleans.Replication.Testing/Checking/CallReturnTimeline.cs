namespace Orleans.Replication.Testing.Checking;

/// <summary>
/// The call and return events of one key's operations in time order, as a doubly linked list from which an operation
/// (both its events) can be lifted out when placed in the order, and put back when the search backtracks.
/// </summary>
/// <remarks>
/// Entry 2i is the call of operation i and entry 2i + 1 its return. Operations of unknown outcome return at +infinity.
/// At equal times calls come before returns, so operations that touch at one instant count as concurrent, and the
/// returns of unknown operations come after every real return. Lifted entries keep their own links, so putting
/// entries back in the reverse order of lifting restores the list exactly ("dancing links").
/// </remarks>
internal sealed class CallReturnTimeline
{
    private readonly int[] _next;
    private readonly int[] _previous;
    private readonly int _head;
    private readonly int _tail;

    /// <summary>Builds the timeline of <paramref name="history"/>.</summary>
    public CallReturnTimeline(RegisterHistory history)
    {
        var entries = history.Count * 2;
        _head = entries;
        _tail = entries + 1;
        _next = new int[entries + 2];
        _previous = new int[entries + 2];

        var order = new int[entries];
        var times = new long[entries];
        var ranks = new int[entries];
        for (var i = 0; i < history.Count; i++)
        {
            var operation = history.Operations[i];
            order[2 * i] = 2 * i;
            order[(2 * i) + 1] = (2 * i) + 1;
            times[2 * i] = operation.InvokeTime;
            times[(2 * i) + 1] = history.IsDefinite[i] ? operation.CompleteTime!.Value : long.MaxValue;
            ranks[(2 * i) + 1] = history.IsDefinite[i] ? 1 : 2;
        }

        Array.Sort(order, (a, b) =>
        {
            var byTime = times[a].CompareTo(times[b]);
            if (byTime != 0)
            {
                return byTime;
            }

            var byRank = ranks[a].CompareTo(ranks[b]);
            return byRank != 0 ? byRank : a.CompareTo(b);
        });

        var previous = _head;
        foreach (var entry in order)
        {
            _next[previous] = entry;
            _previous[entry] = previous;
            previous = entry;
        }

        _next[previous] = _tail;
        _previous[_tail] = previous;
    }

    /// <summary>The earliest entry still in the list; <see cref="IsEnd"/> when it is empty.</summary>
    public int First => _next[_head];

    /// <summary>The entry after <paramref name="entry"/>.</summary>
    public int Next(int entry) => _next[entry];

    /// <summary>True when <paramref name="entry"/> is past the last entry.</summary>
    public bool IsEnd(int entry) => entry == _tail;

    /// <summary>True for a call entry, false for a return entry.</summary>
    public static bool IsCall(int entry) => (entry & 1) == 0;

    /// <summary>The operation an entry belongs to.</summary>
    public static int OperationOf(int entry) => entry >> 1;

    /// <summary>Removes operation <paramref name="operation"/>'s call and return.</summary>
    public void Lift(int operation)
    {
        Unlink(2 * operation);
        Unlink((2 * operation) + 1);
    }

    /// <summary>Puts back the entries of the operation lifted most recently and not yet put back.</summary>
    public void Unlift(int operation)
    {
        Relink((2 * operation) + 1);
        Relink(2 * operation);
    }

    private void Unlink(int entry)
    {
        _next[_previous[entry]] = _next[entry];
        _previous[_next[entry]] = _previous[entry];
    }

    private void Relink(int entry)
    {
        _next[_previous[entry]] = entry;
        _previous[_next[entry]] = entry;
    }
}
