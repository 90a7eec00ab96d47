using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>Scanning the applied values in key order (MapReduce input).</summary>
internal sealed partial class ReplicaNodeGrain
{
    private const int MaxScanItems = 10_000;

    /// <remarks>
    /// Only applied values are served, so a scan never sees a write that a failover could lose. The state is a hash
    /// map: each page sorts the keys after <paramref name="afterKey"/>, which is fine for the groups MapReduce reads (a
    /// sorted index would make a page cost its own size).
    /// </remarks>
    public Task<ScanPage> ScanAsync(string? afterKey, int maxItems)
    {
        if (maxItems is < 1 or > MaxScanItems)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxItems),
                maxItems,
                $"A scan page holds 1..{MaxScanItems} items."
            );
        }

        if (Role == NodeRole.Unassigned)
        {
            throw new InvalidOperationException($"Node {_group}/{_index} has not been assigned a role.");
        }

        var items = _state.Snapshot()
            .Where(i => afterKey is null || string.CompareOrdinal(i.Key, afterKey) > 0)
            .OrderBy(i => i.Key, StringComparer.Ordinal)
            .Take(maxItems + 1)
            .ToArray();
        var more = items.Length > maxItems;
        var page = more ? items[..maxItems] : items;
        return Task.FromResult(new ScanPage(page, more ? page[^1].Key : null, _state.AppliedIndex));
    }
}
