namespace Orleans.Replication.Testing.Checking;

/// <summary>Finds acknowledged writes that a later read proves lost.</summary>
/// <remarks>
/// <para>
/// Needs values unique per write, as <c>bench --history</c> writes them. A write acknowledged (ok) at time t is lost
/// when a read of its key invoked after t returned a state that only operations finished before the write began can
/// have produced: a value all of whose writers completed before the write was invoked, or absent when no delete could
/// have come after it. Such a read cannot be ordered after the write by any linearization, so every lost write is also
/// a linearizability violation; the list says which acknowledged data went missing, which a violation alone does not.
/// </para>
/// <para>A read of a value no operation wrote says nothing about loss (the checker reports it as a violation).</para>
/// </remarks>
public static class LostWrites
{
    /// <summary>
    /// The lost writes of <paramref name="history"/>, each with the first read that proves it, in order of key and
    /// time.
    /// </summary>
    public static IReadOnlyList<LostWrite> Find(IEnumerable<HistoryOperation> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var lost = new List<LostWrite>();
        foreach (
            var key in history.GroupBy(o => o.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
        )
        {
            var operations = key.ToList();
            var writers = operations
                .Where(o => o.Kind != OperationKind.Read && o.Outcome != OperationOutcome.Fail)
                .ToLookup(o => o.Value, StringComparer.Ordinal);
            var reads = operations
                .Where(o => o.Kind == OperationKind.Read && o.Outcome == OperationOutcome.Ok)
                .OrderBy(o => o.InvokeTime)
                .ToList();
            foreach (
                var write in operations
                    .Where(o => o.Kind != OperationKind.Read && o.Outcome == OperationOutcome.Ok)
                    .OrderBy(o => o.InvokeTime)
            )
            {
                var acknowledged = write.CompleteTime!.Value;
                var proof = reads.FirstOrDefault(r =>
                    r.InvokeTime > acknowledged && r.Value != write.Value && IsOlder(r.Value, write, writers)
                );
                if (proof is not null)
                {
                    lost.Add(new LostWrite(write, proof));
                }
            }
        }

        return lost;
    }

    /// <summary>
    /// True when every way to produce <paramref name="value"/> finished before <paramref name="write"/> began.
    /// </summary>
    private static bool IsOlder(string? value, HistoryOperation write, ILookup<string?, HistoryOperation> writers)
    {
        var sources = writers[value].ToList();
        if (sources.Count == 0)
        {
            return value is null; // absent: only the initial state, which precedes everything
        }

        return sources.All(s => s.Outcome == OperationOutcome.Ok && s.CompleteTime < write.InvokeTime);
    }
}

/// <summary>An acknowledged write, and the read that shows it is gone.</summary>
/// <param name="Write">The acknowledged write.</param>
/// <param name="Read">A read invoked after the write was acknowledged that returned an older state.</param>
public sealed record LostWrite(HistoryOperation Write, HistoryOperation Read)
{
    /// <summary>A one-line description.</summary>
    public override string ToString() => $"{Write}, but later {Read}";
}
