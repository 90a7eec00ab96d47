namespace Orleans.Replication.Testing.Checking;

/// <summary>The verdict on a whole history: the keys' verdicts combined.</summary>
/// <remarks>
/// A violation on any key makes the history not linearizable, even when other keys ran out of budget; otherwise a key
/// out of budget makes it <see cref="CheckVerdict.Unknown"/>.
/// </remarks>
public sealed class CheckResult
{
    /// <summary>Combines per-key results, given in the order they were checked.</summary>
    public CheckResult(IReadOnlyList<KeyCheckResult> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        Keys = keys;
        FirstViolation = keys.FirstOrDefault(k => k.Violation is not null)?.Violation;
        TimedOut = keys.Any(k => k.TimedOut);
        Verdict = FirstViolation is not null ? CheckVerdict.NotLinearizable
            : TimedOut ? CheckVerdict.Unknown
            : CheckVerdict.Linearizable;
    }

    /// <summary>The combined verdict.</summary>
    public CheckVerdict Verdict { get; }

    /// <summary>True only when every key was proven linearizable.</summary>
    public bool IsLinearizable => Verdict == CheckVerdict.Linearizable;

    /// <summary>True when the budget ran out on at least one key; the verdict is then not "linearizable".</summary>
    public bool TimedOut { get; }

    /// <summary>Per-key results, in ordinal order of key.</summary>
    public IReadOnlyList<KeyCheckResult> Keys { get; }

    /// <summary>The violation of the first key (in ordinal order) that has one, or null.</summary>
    public Violation? FirstViolation { get; }

    /// <summary>A one-line summary, followed by the first violation's explanation when there is one.</summary>
    public override string ToString()
    {
        var unknown = Keys.Count(k => k.TimedOut);
        var invalid = Keys.Count(k => k.Violation is not null);
        var summary =
            $"{Verdict}: {Keys.Count} keys, {invalid} not linearizable, {unknown} undecided within the search budget.";
        return FirstViolation is null ? summary : summary + Environment.NewLine + FirstViolation.Explanation;
    }
}
