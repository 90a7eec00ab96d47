using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Tests.Checking;

/// <summary>Short constructors of history operations, so a test's history reads like a timeline.</summary>
internal static class Ops
{
    public static HistoryOperation Write(int process, string? value, long invoke, long complete, string key = "k") =>
        new(process, OperationKind.Write, key, value, null, invoke, complete, OperationOutcome.Ok);

    public static HistoryOperation Read(int process, string? value, long invoke, long complete, string key = "k") =>
        new(process, OperationKind.Read, key, value, null, invoke, complete, OperationOutcome.Ok);

    public static HistoryOperation Cas(
        int process,
        string? expected,
        string? value,
        long invoke,
        long complete,
        string key = "k"
    ) => new(process, OperationKind.Cas, key, value, expected, invoke, complete, OperationOutcome.Ok);

    /// <summary>A write whose client never learned the outcome: invoked, then nothing.</summary>
    public static HistoryOperation UnknownWrite(int process, string? value, long invoke, string key = "k") =>
        new(process, OperationKind.Write, key, value, null, invoke, null, OperationOutcome.Unknown);

    public static HistoryOperation FailedWrite(
        int process,
        string? value,
        long invoke,
        long complete,
        string key = "k"
    ) => new(process, OperationKind.Write, key, value, null, invoke, complete, OperationOutcome.Fail);

    public static CheckResult Check(params HistoryOperation[] history) => LinearizabilityChecker.Check(history);

    /// <summary>Asserts the verdict, showing the checker's explanation when it differs.</summary>
    public static void AssertLinearizable(params HistoryOperation[] history)
    {
        var result = Check(history);
        Assert.True(result.IsLinearizable, $"expected linearizable: {result}");
    }

    /// <summary>Asserts a violation on <paramref name="key"/> and returns it.</summary>
    public static Violation AssertViolation(string key, params HistoryOperation[] history)
    {
        var result = Check(history);
        Assert.Equal(CheckVerdict.NotLinearizable, result.Verdict);
        Assert.False(result.IsLinearizable);
        Assert.False(result.TimedOut);
        var violation = Assert.IsType<Violation>(result.FirstViolation);
        Assert.Equal(key, violation.Key);
        return violation;
    }
}
