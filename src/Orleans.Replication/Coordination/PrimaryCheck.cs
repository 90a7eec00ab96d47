namespace Orleans.Replication.Coordination;

/// <summary>
/// What a check of the primary found wrong: the kind, for the coordinator to decide on, and the same in words.
/// </summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Trouble">The same, in words, for the log and the route's problem.</param>
internal readonly record struct PrimaryCheck(PrimaryTrouble Kind, string Trouble)
{
    /// <summary>
    /// Whether this alone is reason to fail over. A primary that did not answer may only be slow: the coordinator
    /// waits for <c>PrimaryCheckFailures</c> such checks in a row. One that answered wrongly is no primary any more.
    /// </summary>
    public bool IsConclusive => Kind != PrimaryTrouble.Unanswered;
}

/// <summary>What a check of the primary found wrong.</summary>
internal enum PrimaryTrouble
{
    /// <summary>The call did not come back in time, or failed.</summary>
    Unanswered,

    /// <summary>It answered, but not as the primary of the route's epoch.</summary>
    NotPrimary,

    /// <summary>It answered from another activation than the one promoted: it lost its state.</summary>
    Reactivated,
}
