using System.CommandLine;
using System.Text.Json;
using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Cli;

/// <summary>The <c>check FILE</c> verb: the linearizability checker on a recorded history (no cluster
/// needed).</summary>
/// <remarks>Exit code 0 only when the history is linearizable; 1 when it is not, or the search ran out of budget; 2
/// when the file cannot be read.</remarks>
internal static class CheckCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<string>("file")
        {
            Description =
                "A history as JSON lines: {\"process\",\"type\",\"f\",\"key\",\"value\",\"time\"} (bench --history " +
                "writes one).",
        };
        var maxSeconds = new TimeOption(
            "--max-seconds",
            "Time budget of the search, up to 24h; the verdict is unknown when it runs out.",
            TimeSpan.FromSeconds(60),
            TimeSpan.Zero,
            TimeSpan.FromHours(24),
            minExclusive: true
        );
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var command = new Command(
            "check",
            "Check a recorded history for linearizability and lost acknowledged writes.")
        {
            file, maxSeconds, json,
        };
        command.SetAction(async (p, ct) =>
        {
            var path = p.GetValue(file)!;
            var budget = maxSeconds.Value(p);
            IReadOnlyList<HistoryOperation> history;
            try
            {
                history = HistoryReader.ReadFile(path);
            }
            catch (Exception e)
                when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
            {
                await error.WriteLineAsync($"error: cannot read history '{path}': {e.Message}");
                return ExitCodes.Usage;
            }

            var result = await Task.Run(
                () => LinearizabilityChecker.Check(history, new CheckOptions { MaxDuration = budget }),
                ct);
            var lost = LostWrites.Find(history);
            var ok = result.IsLinearizable && lost.Count == 0;
            await output.WriteLineAsync(p.GetValue(json) ? Json(history, result, lost) : Text(history, result, lost));
            return ok ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    internal static string Text(
        IReadOnlyList<HistoryOperation> history,
        CheckResult result,
        IReadOnlyList<LostWrite> lost
    )
    {
        var lines = new List<string>
        {
            Cli.Invariant($"verdict: {Verdict(result)}  ({history.Count} operations on {result.Keys.Count} keys; ") +
            Cli.Invariant($"{result.Keys.Count(k => k.Violation is not null)} keys not linearizable, ") +
            Cli.Invariant($"{result.Keys.Count(k => k.TimedOut)} undecided)"),
            Cli.Invariant($"lost acknowledged writes: {lost.Count}"),
        };
        lines.AddRange(lost.Take(10).Select(l => "  " + l));
        if (lost.Count > 10)
        {
            lines.Add(Cli.Invariant($"  … and {lost.Count - 10} more"));
        }

        lines.Add(
            result.FirstViolation is { } v
                ? $"first violation (key \"{v.Key}\"):{Environment.NewLine}{v.Explanation}"
                : "first violation: none"
        );
        return string.Join(Environment.NewLine, lines);
    }

    internal static string Json(
        IReadOnlyList<HistoryOperation> history,
        CheckResult result,
        IReadOnlyList<LostWrite> lost
    ) =>
        JsonSerializer.Serialize(
            new
            {
                valid = result.IsLinearizable && lost.Count == 0,
                verdict = Verdict(result),
                operations = history.Count,
                keys = result.Keys.Count,
                lostWrites = lost.Select(l => new
                {
                    key = l.Write.Key,
                    value = l.Write.Value,
                    read = l.Read.Value,
                }),
                firstViolation = result.FirstViolation is { } v
                    ? new { key = v.Key, explanation = v.Explanation }
                    : null,
            }
        );

    private static string Verdict(CheckResult result) => result.Verdict switch
    {
        CheckVerdict.Linearizable => "linearizable",
        CheckVerdict.NotLinearizable => "not linearizable",
        _ => "unknown (search budget ran out)",
    };
}
