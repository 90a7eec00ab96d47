using System.Collections.Concurrent;

namespace Orleans.Replication.Hosting;

/// <summary>The groups whose primary is a node on this silo, as the nodes themselves report it.</summary>
/// <remarks>
/// Thread-safe: node grains update it from their own schedulers, and the silo's shutdown reads it from the host's.
/// It is advisory: a node that leads no more removes itself when it becomes a replica, and whoever acts on an entry
/// (<see cref="ShutdownHandover"/>) asks the group's coordinator before doing anything.
/// </remarks>
internal sealed class LocalPrimaries
{
    private readonly ConcurrentDictionary<string, int> _primaries = new(StringComparer.Ordinal);

    /// <summary>Groups led from this silo, with the index of the leading node.</summary>
    public IReadOnlyDictionary<string, int> Snapshot => new Dictionary<string, int>(_primaries, StringComparer.Ordinal);

    /// <summary>How many groups are led from this silo.</summary>
    public int Count => _primaries.Count;

    /// <summary>
    /// Records whether node <paramref name="index"/> of <paramref name="group"/> leads it from this silo.
    /// </summary>
    public void Set(string group, int index, bool leading)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (leading)
        {
            _primaries[group] = index;
        }
        else
        {
            _primaries.TryRemove(KeyValuePair.Create(group, index));
        }
    }
}
