using System.Globalization;

namespace Orleans.Replication.Testing.Checking;

/// <summary>One operation of a recorded history: what a client asked of one key, when, and how it ended.</summary>
/// <param name="Process">The client (logical thread) that ran it; a process runs one operation at a time.</param>
/// <param name="Kind">Write, read or compare-and-set.</param>
/// <param name="Key">The key; every key is an independent register.</param>
/// <param name="Value">
/// For a write or compare-and-set, the value written; for a read, the value read. Null means absent (a write of null
/// deletes the key; a read of null found nothing).
/// </param>
/// <param name="ExpectedValue">For a compare-and-set, the value it expected (null = absent); otherwise ignored.</param>
/// <param name="InvokeTime">When the client invoked it, on a clock shared by all processes (Jepsen uses
/// nanoseconds).</param>
/// <param name="CompleteTime">When the client saw it complete, or null when it never did.</param>
/// <param name="Outcome">How it ended; <see cref="OperationOutcome.Ok"/> requires a
/// <paramref name="CompleteTime"/>.</param>
public sealed record HistoryOperation(
    int Process,
    OperationKind Kind,
    string Key,
    string? Value,
    string? ExpectedValue,
    long InvokeTime,
    long? CompleteTime,
    OperationOutcome Outcome)
{
    /// <summary>A one-line description for reports, such as <c>p3 cas "k" "a" -> "b" @10..20 ok</c>.</summary>
    public override string ToString()
    {
        var what = Kind switch
        {
            OperationKind.Write => $"write {Quote(Key)} := {Quote(Value)}",
            OperationKind.Read when Outcome == OperationOutcome.Ok => $"read {Quote(Key)} -> {Quote(Value)}",
            OperationKind.Read => $"read {Quote(Key)}",
            _ => $"cas {Quote(Key)} {Quote(ExpectedValue)} -> {Quote(Value)}",
        };
        var completed = CompleteTime?.ToString(CultureInfo.InvariantCulture) ?? "?";
        var outcome = Outcome.ToString().ToLowerInvariant();
        return string.Create(CultureInfo.InvariantCulture, $"p{Process} {what} @{InvokeTime}..{completed} {outcome}");
    }

    private static string Quote(string? value) => value is null ? "(absent)" : $"\"{value}\"";
}
