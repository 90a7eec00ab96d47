namespace Orleans.Replication.Testing.Checking;

/// <summary>What a linearizability check concluded.</summary>
public enum CheckVerdict
{
    /// <summary>Some order of the operations, consistent with real time, fits a register.</summary>
    Linearizable,

    /// <summary>No such order exists: the history shows a consistency violation.</summary>
    NotLinearizable,

    /// <summary>The search budget ran out before an answer: neither valid nor proven invalid.</summary>
    Unknown,
}
