namespace Orleans.Replication.Cli;

/// <summary>The command-line program's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>The operation succeeded.</summary>
    public const int Ok = 0;

    /// <summary>The operation failed (or its outcome is unknown).</summary>
    public const int Failed = 1;

    /// <summary>The command line or an input was invalid; nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>The key does not exist.</summary>
    public const int NotFound = 3;
}
