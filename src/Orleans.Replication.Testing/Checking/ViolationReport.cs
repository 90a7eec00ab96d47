using System.Text;

namespace Orleans.Replication.Testing.Checking;

/// <summary>Turns where a failed search got furthest into a <see cref="Violation"/> a person can follow.</summary>
internal static class ViolationReport
{
    private const int MaxListed = 10;

    /// <summary>Describes the dead end <paramref name="deadEnd"/> of key <paramref name="key"/>'s history.</summary>
    public static Violation Describe(string key, RegisterHistory history, SearchDeadEnd deadEnd)
    {
        var operations = history.Operations;
        var value = Quote(history.ValueOf(deadEnd.State));
        var text = new StringBuilder();
        text.Append(
            $"Key \"{key}\" is not linearizable: no order of its {history.Count} operations respects real time and " +
            "fits a register."
        );

        if (deadEnd.Order.Length == 0)
        {
            text.AppendLine().Append("No operation can even come first; the register starts absent.");
        }
        else
        {
            text.AppendLine()
                .Append(
                    $"The longest valid order found places {deadEnd.Order.Length} of them, leaving the value {value}:"
                );
            var shownFrom = Math.Max(0, deadEnd.Order.Length - MaxListed);
            if (shownFrom > 0)
            {
                text.AppendLine().Append($"  ... {shownFrom} earlier operations");
            }

            for (var i = shownFrom; i < deadEnd.Order.Length; i++)
            {
                text.AppendLine().Append($"  {i + 1}. {operations[deadEnd.Order[i]]}");
            }
        }

        text.AppendLine().Append($"No such order can next place, before it completed, {operations[deadEnd.Blocked]}");
        if (deadEnd.Pending.Length == 0)
        {
            text.Append(", and no other operation was pending then.");
        }
        else
        {
            text.Append(", even after first placing some of the operations pending then:");
            List(text, deadEnd.Pending, operations);
        }

        if (deadEnd.Stranded.Length > 0)
        {
            text.AppendLine()
                .Append(
                    $"The value cannot change from {value} there: these operations, still to come, need it, and " +
                    "nothing left can write it again:"
                );
            List(text, deadEnd.Stranded, operations);
        }

        var involved = deadEnd.Stranded.Take(MaxListed)
            .Concat(deadEnd.Pending.Take(MaxListed))
            .Concat(deadEnd.Order.TakeLast(MaxListed).Reverse())
            .Prepend(deadEnd.Blocked)
            .Select(i => operations[i])
            .ToList();
        return new Violation(key, text.ToString(), involved);
    }

    /// <summary>Describes operation <paramref name="observer"/>, which needs a value nothing writes in time.</summary>
    public static Violation DescribeUnwritten(string key, RegisterHistory history, int observer)
    {
        var operation = history.Operations[observer];
        var value = Quote(history.ObservedValue(observer) is var number and >= 0 ? history.ValueOf(number) : null);
        var text =
            $"Key \"{key}\" is not linearizable: {operation} needs the value {value}, which no operation invoked " +
            "before it completed writes.";
        return new Violation(key, text, [operation]);
    }

    private static void List(StringBuilder text, int[] indexes, HistoryOperation[] operations)
    {
        foreach (var index in indexes.Take(MaxListed))
        {
            text.AppendLine().Append($"  {operations[index]}");
        }

        if (indexes.Length > MaxListed)
        {
            text.AppendLine().Append($"  ... and {indexes.Length - MaxListed} more");
        }
    }

    private static string Quote(string? value) => value is null ? "(absent)" : $"\"{value}\"";
}
