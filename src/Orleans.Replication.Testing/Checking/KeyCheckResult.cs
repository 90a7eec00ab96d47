namespace Orleans.Replication.Testing.Checking;

/// <summary>The verdict on one key's history.</summary>
/// <param name="Key">The key.</param>
/// <param name="Verdict">Linearizable, not, or unknown when the budget ran out.</param>
/// <param name="OperationCount">
/// Operations checked: those of the key minus failed ones, reads of unknown outcome, and operations of unknown outcome
/// writing a value nothing reads or expects (which may as well not have happened).
/// </param>
/// <param name="StatesExplored">Distinct search states visited; a measure of the search's effort.</param>
/// <param name="Violation">Why it is not linearizable; null unless <paramref name="Verdict"/> says so.</param>
public sealed record KeyCheckResult(
    string Key,
    CheckVerdict Verdict,
    int OperationCount,
    long StatesExplored,
    Violation? Violation
)
{
    /// <summary>True when the key's history is linearizable.</summary>
    public bool IsLinearizable => Verdict == CheckVerdict.Linearizable;

    /// <summary>True when the search budget ran out on this key.</summary>
    public bool TimedOut => Verdict == CheckVerdict.Unknown;
}
