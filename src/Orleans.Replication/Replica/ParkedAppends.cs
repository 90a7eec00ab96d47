using Orleans.Replication.Protocol;

namespace Orleans.Replication.Replica;

/// <summary>
/// Replication calls that reached a replica ahead of an earlier call of the same primary, parked until the entries
/// before them arrive.
/// </summary>
/// <remarks>
/// Orleans does not keep calls in order: between two silos it holds a connection opened by each side and sends
/// over both in turn, so under load a primary's calls overtake one another. A replica that answered each such call
/// with a mismatch made the primary rewind and send the same entries again (measured: a fifth of the calls, and a
/// quarter more entries sent than written). A call is parked only while the earlier calls it follows may still
/// arrive: its <see cref="AppendRequest.Sequence"/> is more than one past the last call handled. The parking is
/// bounded in calls and in time: when either bound is passed the gap is taken to be real and the replica answers
/// with a mismatch, as it would have at once without this.
/// </remarks>
internal sealed class ParkedAppends(int capacity, long maxAgeTicks)
{
    private readonly List<AppendRequest> _parked = [];

    /// <summary>When the replica last made progress while calls were parked: the gap has lasted since then.</summary>
    private long _waitingSinceTicks;

    /// <summary>Calls parked now.</summary>
    public int Count => _parked.Count;

    /// <summary>
    /// Parks <paramref name="request"/>, which does not follow the replica's log yet. False, with nothing parked any
    /// more, when the call cannot be waiting for earlier ones (it is the next in sequence) or a bound is passed.
    /// </summary>
    public bool TryPark(AppendRequest request, long lastSequence, long nowTicks)
    {
        if (
            request.Sequence <= lastSequence + 1
            || _parked.Count >= capacity
            || (_parked.Count > 0 && nowTicks - _waitingSinceTicks > maxAgeTicks)
        )
        {
            _parked.Clear();
            return false;
        }

        if (_parked.Count == 0)
        {
            _waitingSinceTicks = nowTicks;
        }

        // Kept in order of the log position each call follows; among equals, in order of arrival.
        var at = _parked.Count;
        while (at > 0 && _parked[at - 1].PrevIndex > request.PrevIndex)
        {
            at--;
        }

        _parked.Insert(at, request);
        return true;
    }

    /// <summary>
    /// Takes the parked call that follows a log ending at <paramref name="lastIndex"/>, if there is one.
    /// </summary>
    public AppendRequest? TakeNext(long lastIndex, long nowTicks)
    {
        if (_parked.Count == 0 || _parked[0].PrevIndex > lastIndex)
        {
            return null;
        }

        var next = _parked[0];
        _parked.RemoveAt(0);
        _waitingSinceTicks = nowTicks;
        return next;
    }

    /// <summary>Drops every parked call (the leader changed, or the log was replaced).</summary>
    public void Clear() => _parked.Clear();
}
