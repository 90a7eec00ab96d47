namespace Orleans.Replication.Testing.Checking;

/// <summary>
/// The (placed operations, register value) pairs the search has already reached (Lowe's memoization): reaching one
/// again can lead nowhere new, so that branch is pruned.
/// </summary>
internal sealed class SearchStateCache
{
    private readonly Dictionary<ulong, List<Visited>> _byHash = [];

    /// <summary>The number of distinct states remembered.</summary>
    public long Count { get; private set; }

    /// <summary>Remembers the state; false when it was already known.</summary>
    /// <remarks>The bitset is only copied when the state is new, so probing known states allocates nothing.</remarks>
    public bool TryAdd(LinearizedSet set, int state)
    {
        var hash = LinearizedSet.Combine(set.Hash, state);
        if (!_byHash.TryGetValue(hash, out var bucket))
        {
            bucket = new List<Visited>(1);
            _byHash.Add(hash, bucket);
        }
        else
        {
            foreach (var visited in bucket)
            {
                if (visited.State == state && set.Bits.SequenceEqual(visited.Bits))
                {
                    return false;
                }
            }
        }

        bucket.Add(new Visited(set.Snapshot(), state));
        Count++;
        return true;
    }

    private readonly record struct Visited(ulong[] Bits, int State);
}
