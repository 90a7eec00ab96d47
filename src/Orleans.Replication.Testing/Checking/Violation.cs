namespace Orleans.Replication.Testing.Checking;

/// <summary>Why one key's history is not linearizable.</summary>
/// <param name="Key">The key.</param>
/// <param name="Explanation">
/// A human-readable account: the longest valid order the search found, and the operation that no order could place.
/// </param>
/// <param name="Operations">
/// The operations involved: the one that could not be placed first, then those pending with it, then the last ones
/// of the longest valid order.
/// </param>
public sealed record Violation(string Key, string Explanation, IReadOnlyList<HistoryOperation> Operations)
{
    /// <summary>The explanation.</summary>
    public override string ToString() => Explanation;
}
