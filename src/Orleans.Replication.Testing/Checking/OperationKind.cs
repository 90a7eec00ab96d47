namespace Orleans.Replication.Testing.Checking;

/// <summary>What an operation of a history did to its key's register.</summary>
public enum OperationKind
{
    /// <summary>Set the value unconditionally.</summary>
    Write,

    /// <summary>Return the current value.</summary>
    Read,

    /// <summary>Compare-and-set: set the new value only when the current value equals the expected one.</summary>
    Cas,
}
