using System.Text;

namespace Orleans.Replication.Client.Checking;

/// <summary>Turns where a failed search got furthest into a <see cref="Violation"/> a person can follow.</summary>
internal static class ViolationReport
{
    private const int MaxListed = 10;

    /// <summary>Describes the dead end <paramref name="deadEnd"/> of key <paramref name="key"/>'s history.</summary>
    public static Violation Describe(string key, RegisterHistory history, SearchDeadEnd deadEnd)
    {
        var operations = history.Operations;
        var blocked = operations[deadEnd.Blocked];
        var text = new StringBuilder();
        text.AppendLine($"Key \"{key}\" is not linearizable: no order of its {history.Count} operations respects real time and fits a register.");

        if (deadEnd.Order.Length == 0)
        {
            text.AppendLine("No operation can even come first: the register starts absent.");
        }
        else
        {
            text.AppendLine($"The longest valid order found places {deadEnd.Order.Length} of them, leaving the value {Quote(history.ValueOf(deadEnd.State))}:");
            var shownFrom = Math.Max(0, deadEnd.Order.Length - MaxListed);
            if (shownFrom > 0)
            {
                text.AppendLine($"  ... {shownFrom} earlier operations");
            }

            for (var i = shownFrom; i < deadEnd.Order.Length; i++)
            {
                text.AppendLine($"  {i + 1}. {operations[deadEnd.Order[i]]}");
            }
        }

        text.AppendLine($"No such order can place, before it completed, {blocked}");
        text.Append(deadEnd.Pending.Length == 0
            ? "and no other operation was pending then."
            : "nor help it by first placing any of the operations pending then:");
        foreach (var pending in deadEnd.Pending.Take(MaxListed))
        {
            text.AppendLine().Append($"  {operations[pending]}");
        }

        if (deadEnd.Pending.Length > MaxListed)
        {
            text.AppendLine().Append($"  ... and {deadEnd.Pending.Length - MaxListed} more");
        }

        var involved = deadEnd.Pending.Take(MaxListed)
            .Concat(deadEnd.Order.TakeLast(MaxListed).Reverse())
            .Prepend(deadEnd.Blocked)
            .Select(i => operations[i])
            .ToList();
        return new Violation(key, text.ToString(), involved);
    }

    private static string Quote(string? value) => value is null ? "(absent)" : $"\"{value}\"";
}
