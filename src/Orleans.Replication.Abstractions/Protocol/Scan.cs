namespace Orleans.Replication.Protocol;

/// <summary>A page of a node's applied (committed) values, in ordinal key order.</summary>
/// <param name="Items">The keys, values and versions of the page.</param>
/// <param name="NextKey">The key to pass as <c>afterKey</c> for the next page; null after the last page.</param>
/// <param name="AppliedIndex">The node's applied index when it read the page (pages of one scan may come from different
/// points in time).</param>
[GenerateSerializer, Immutable, Alias("orepl.ScanPage")]
public sealed record ScanPage(
    [property: Id(0)] SnapshotItem[] Items,
    [property: Id(1)] string? NextKey,
    [property: Id(2)] long AppliedIndex);
