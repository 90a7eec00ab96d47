namespace Orleans.Replication.Testing.Checking;

/// <summary>Where a failed search got furthest: the material of a violation report.</summary>
/// <param name="Order">The operations placed, in order: the longest valid order found.</param>
/// <param name="State">The register value (numbered) after that order.</param>
/// <param name="Blocked">The completed operation that no extension of the order could place before its return.</param>
/// <param name="Pending">The other operations that were invoked, and not placed, before that return: the
/// candidates.</param>
/// <param name="Stranded">
/// Unplaced operations that still need the current value when nothing left can write it again, so the value could not
/// change; empty when that is not why the search stopped.
/// </param>
internal sealed record SearchDeadEnd(int[] Order, int State, int Blocked, int[] Pending, int[] Stranded);
