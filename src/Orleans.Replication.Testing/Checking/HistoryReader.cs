using System.Globalization;

namespace Orleans.Replication.Testing.Checking;

/// <summary>Reads a history recorded as JSON lines, in the style of Jepsen.</summary>
/// <remarks>
/// <para>One JSON object per line; blank lines are skipped and fields other than these are ignored:</para>
/// <code>
/// {"process":3,"type":"invoke","f":"write","key":"k","value":"a","time":1000}
/// {"process":3,"type":"ok","f":"write","key":"k","value":"a","time":2500}
/// {"process":4,"type":"invoke","f":"cas","key":"k","value":["a","b"],"time":3000}
/// {"process":4,"type":"info","f":"cas","key":"k","value":["a","b"],"time":9000}
/// {"process":5,"type":"invoke","f":"read","key":"k","value":null,"time":3100}
/// {"process":5,"type":"ok","f":"read","key":"k","value":"b","time":3900}
/// </code>
/// <para>
/// <c>type</c> is <c>invoke</c>, or the completion <c>ok</c>, <c>fail</c> (no effect) or <c>info</c> (unknown
/// outcome). <c>f</c> is <c>write</c>, <c>read</c> or <c>cas</c>. <c>value</c> is a string, a number (kept as its
/// JSON text) or null for absent: on a write's invoke the value written; on a read's <c>ok</c> the value read; on a
/// cas's invoke a 2-element array <c>[expected, new]</c>. Values on other lines are ignored. <c>time</c> is an integer
/// on a clock shared by all processes (Jepsen: nanoseconds).
/// </para>
/// <para>
/// An invoke is matched with the next completion of the same process, which must name the same <c>f</c> and key. An
/// invoke never completed has an unknown outcome. Operations are returned in the order of their invoke lines.
/// </para>
/// </remarks>
public static class HistoryReader
{
    /// <summary>Reads the history file at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">A line is invalid; the message names it.</exception>
    public static IReadOnlyList<HistoryOperation> ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader);
    }

    /// <summary>Parses a whole history held in <paramref name="text"/>.</summary>
    /// <exception cref="FormatException">A line is invalid; the message names it.</exception>
    public static IReadOnlyList<HistoryOperation> Parse(string text)
    {
        using var reader = new StringReader(text);
        return Read(reader);
    }

    /// <summary>Reads a history from <paramref name="reader"/> to its end.</summary>
    /// <exception cref="FormatException">A line is invalid; the message names it.</exception>
    public static IReadOnlyList<HistoryOperation> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var operations = new List<HistoryOperation>();
        var pending = new Dictionary<int, (int Index, int LineNumber)>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } text)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var line = HistoryLine.Parse(text, lineNumber);
            if (line.Type == "invoke")
            {
                if (pending.TryGetValue(line.Process, out var open))
                {
                    throw Error(
                        lineNumber,
                        $"process {line.Process} invokes again before completing its invoke of line {open.LineNumber}."
                    );
                }

                pending.Add(line.Process, (operations.Count, lineNumber));
                operations.Add(
                    new HistoryOperation(
                        line.Process,
                        line.Kind,
                        line.Key,
                        line.Value,
                        line.ExpectedValue,
                        line.Time,
                        null,
                        OperationOutcome.Unknown
                    )
                );
                continue;
            }

            if (!pending.Remove(line.Process, out var invoke))
            {
                throw Error(
                    lineNumber,
                    $"{line.Type} of process {line.Process} completes nothing: the process has no invoke pending."
                );
            }

            operations[invoke.Index] = Complete(operations[invoke.Index], line, invoke.LineNumber, lineNumber);
        }

        return operations;
    }

    private static HistoryOperation Complete(
        HistoryOperation invoked,
        HistoryLine completion,
        int invokeLine,
        int lineNumber
    )
    {
        if (completion.Kind != invoked.Kind || completion.Key != invoked.Key)
        {
            throw Error(
                lineNumber,
                $"the completion of process {completion.Process} does not match its invoke of line {invokeLine} (f " +
                "or key differ)."
            );
        }

        if (completion.Time < invoked.InvokeTime)
        {
            throw Error(
                lineNumber,
                $"the completion of process {completion.Process} is earlier than its invoke of line {invokeLine}."
            );
        }

        var outcome = completion.Type switch
        {
            "ok" => OperationOutcome.Ok,
            "fail" => OperationOutcome.Fail,
            _ => OperationOutcome.Unknown,
        };
        var value = invoked.Kind == OperationKind.Read ? completion.Value : invoked.Value;
        return invoked with { Value = value, CompleteTime = completion.Time, Outcome = outcome };
    }

    private static FormatException Error(int lineNumber, string detail) =>
        new(string.Create(CultureInfo.InvariantCulture, $"History line {lineNumber}: {detail}"));
}
