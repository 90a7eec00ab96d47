using System.CommandLine;
using Orleans.Replication.Client;

namespace Orleans.Replication.Cli;

/// <summary>The <c>watch</c> verb: the group's status table, refreshed every <c>--interval</c> until Ctrl-C or
/// <c>--count</c> refreshes.</summary>
/// <remarks>A refresh that fails (during a failover, say) prints its error in place of the table and the watch goes
/// on.</remarks>
internal static class WatchCommand
{
    public static Command Create(
        TextWriter output,
        TextWriter error,
        Func<ParseResult, CancellationToken, Func<ClusterConnection, Task<int>>, Task<int>> run,
        Option<string> group)
    {
        var interval = new TimeOption(
            "--interval",
            "Time between refreshes, 50ms..1h.",
            TimeSpan.FromSeconds(1),
            TimeSpan.FromMilliseconds(50),
            TimeSpan.FromHours(1));
        var count = new Option<int?>("--count")
        {
            Description = "Stop after this many refreshes (default: until Ctrl-C).",
        };
        var command = new Command(
            "watch",
            "A live status table of the group: epoch, primary, each node's role, silo, indexes and lag.")
        {
            interval, count,
        };
        command.SetAction((p, ct) =>
        {
            var every = interval.Value(p);
            var times = p.GetValue(count);
            if (times is < 1)
            {
                error.WriteLine(Cli.Invariant($"error: --count must be at least 1; it is {times}."));
                return Task.FromResult(ExitCodes.Usage);
            }

            return run(p, ct, c => WatchAsync(c.Store.Group(p.GetValue(group)!), every, times, output, ct));
        });
        return command;
    }

    private static async Task<int> WatchAsync(
        IReplicatedGroup group,
        TimeSpan interval,
        int? count,
        TextWriter output,
        CancellationToken ct
    )
    {
        // Redraw in place on a terminal; append refreshes one after another when the output is a file or a pipe.
        var redraw = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true; // Ctrl-C ends the watch, not the process: the connection still closes cleanly
            stop.Cancel();
        }

        Console.CancelKeyPress += OnCancel;
        ct = stop.Token;
        try
        {
            for (var i = 0; count is null || i < count; i++)
            {
                if (i > 0)
                {
                    await Task.Delay(interval, ct);
                }

                string table;
                try
                {
                    table = Cli.StatusTable(await group.GetStatusAsync(ct));
                }
                catch (Exception e)
                    when (e is ReplicationException or OrleansException or TimeoutException or InvalidOperationException
                    )
                {
                    table = "error: " + e.Message;
                }

                await output.WriteLineAsync(
                    (redraw ? "\u001b[H\u001b[2J" : "")
                        + DateTime.UtcNow.ToString(
                            "yyyy-MM-dd HH:mm:ss 'UTC'",
                            System.Globalization.CultureInfo.InvariantCulture
                        )
                );
                await output.WriteLineAsync(table);
                await output.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C: a normal end of watching.
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }

        return ExitCodes.Ok;
    }
}
