namespace Orleans.Replication.Testing.Checking;

/// <summary>How an operation of a history ended, as its client saw it.</summary>
public enum OperationOutcome
{
    /// <summary>It completed and took effect (a read returned its value; a compare-and-set succeeded).</summary>
    Ok,

    /// <summary>It definitely took no effect; the checker drops it.</summary>
    Fail,

    /// <summary>
    /// It may have taken effect at any moment after its invocation, or never: a timeout, a lost reply or a client
    /// that never saw the completion.
    /// </summary>
    Unknown,
}
