using System.CommandLine;
using System.Text.Json;
using Orleans.Replication.Client;
using Orleans.Replication.Testing.Bench;
using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Cli;

/// <summary>
/// The <c>bench</c> verb: the load generator, optionally followed by the plain-grain baseline in the same run.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(
        TextWriter output,
        TextWriter error,
        Func<ParseResult, CancellationToken, Func<ClusterConnection, Task<int>>, Task<int>> run,
        Func<ParseResult, WriteOptions> writeOptions,
        Func<ParseResult, ReadOptions> readOptions,
        Option<string> group)
    {
        var clients = new Option<int>("--clients")
        {
            Description = "Concurrent callers.",
            DefaultValueFactory = _ => 50,
        };
        var duration = new TimeOption(
            "--duration",
            "How long to measure, up to 24h.",
            TimeSpan.FromSeconds(10),
            TimeSpan.Zero,
            TimeSpan.FromHours(24),
            minExclusive: true
        );
        var warmup = new TimeOption(
            "--warmup",
            "Unmeasured load before measuring (with --raw, of each workload before the first is measured), up to 1h.",
            TimeSpan.FromSeconds(5),
            TimeSpan.Zero,
            TimeSpan.FromHours(1)
        );
        var ops = new Option<long?>("--ops") { Description = "Operations to run (instead of --duration)." };
        var keys = new Option<int>("--keys") { Description = "Distinct keys.", DefaultValueFactory = _ => 10_000 };
        var valueSize = new Option<int>("--value-size")
        {
            Description = "Bytes per value.",
            DefaultValueFactory = _ => 100,
        };
        var writeRatio = new Option<double>("--write-ratio")
        {
            Description = "Fraction of writes, 0..1.",
            DefaultValueFactory = _ => 1.0,
        };
        var raw = new Option<bool>("--raw")
        {
            Description = "Also run the same workload against a plain, non-replicated grain and compare.",
        };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var history = new Option<string?>("--history")
        {
            Description =
                "Record every replicated operation in FILE as a JSON line " +
                "{\"process\",\"type\",\"f\",\"key\",\"value\",\"time\"} (writes carry unique values, on keys new to " +
                "the run), for the check verb.",
        };
        var command = new Command(
            "bench",
            "Load generator: throughput and latency percentiles of replicated writes and reads."
        )
        {
            clients, duration, warmup, ops, keys, valueSize, writeRatio, raw, json, history,
        };
        command.SetAction((p, ct) => run(p, ct, async connection =>
        {
            var options = new BenchOptions
            {
                Clients = p.GetValue(clients),
                Duration = duration.Value(p),
                Warmup = warmup.Value(p),
                Operations = p.GetValue(ops),
                Keys = p.GetValue(keys),
                ValueSize = p.GetValue(valueSize),
                WriteRatio = p.GetValue(writeRatio),
                Concern = writeOptions(p).Concern,
                Durability = writeOptions(p).Durability,
                Consistency = readOptions(p).Consistency!.Value,
                Group = p.GetValue(group)!,
            };
            options.Validate();
            var runner = new BenchRunner(connection.Store, connection.Grains);
            var quiet = p.GetValue(json);
            void Progress(long done, TimeSpan elapsed)
            {
                if (!quiet)
                {
                    error.Write(
                        Cli.Invariant($"\r  {elapsed.TotalSeconds,5:0.0} s  {done,10} ops  ") +
                        Cli.Invariant($"{done / Math.Max(0.001, elapsed.TotalSeconds),10:0} ops/s"));
                }
            }

            var historyPath = p.GetValue(history);
            using var recorder = historyPath is null ? null : OpenHistory(historyPath);
            if (p.GetValue(raw) && options.Warmup > TimeSpan.Zero)
            {
                // This process compiles its code as it first runs it: warm the plain-grain path too before
                // anything is measured, or the replicated run, measured first, pays for all the compiling.
                await runner.RunAsync(
                    options with
                    {
                        Raw = true,
                        Duration = options.Warmup,
                        Warmup = TimeSpan.Zero,
                        Operations = null,
                    },
                    null,
                    ct
                );
            }

            var reports = new List<BenchReport> { await runner.RunAsync(options, Progress, recorder, ct) };
            recorder?.Flush();
            if (p.GetValue(raw))
            {
                reports.Add(await runner.RunAsync(options with { Raw = true }, Progress, ct));
            }

            if (!quiet)
            {
                error.WriteLine();
            }

            await output.WriteLineAsync(quiet ? Json(reports) : Text(reports));
            return reports.Any(r => r.Errors > 0 || r.Unknown > 0) ? ExitCodes.Failed : ExitCodes.Ok;
        }));
        return command;
    }

    private static HistoryWriter OpenHistory(string path)
    {
        try
        {
            return HistoryWriter.CreateFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ArgumentException($"--history '{path}' cannot be written: {e.Message}", e);
        }
    }

    internal static string Text(IReadOnlyList<BenchReport> reports)
    {
        var lines = reports
            .Select(r =>
                Cli.Invariant($"{r.Label}: {r.Operations} ops in {r.Elapsed.TotalSeconds:0.0} s = ") +
                Cli.Invariant($"{r.Throughput:0} ops/s  p50 {r.P50Ms:0.00} ms  p99 {r.P99Ms:0.00} ms  ") +
                Cli.Invariant($"p99.9 {r.P999Ms:0.00} ms  max {r.MaxMs:0.0} ms  ") +
                Cli.Invariant($"errors {r.Errors}  unknown {r.Unknown}")
            )
            .ToList();
        if (reports[0].ReadsPerNode is { Count: > 0 } perNode)
        {
            lines.Add(
                "reads per node: "
                    + string.Join(", ", perNode.OrderBy(p => p.Key).Select(p => Cli.Invariant($"{p.Key}: {p.Value}")))
            );
        }

        if (reports.Count == 2 && reports[1].Throughput > 0)
        {
            lines.Add(
                Cli.Invariant($"replicated / raw throughput: {reports[0].Throughput / reports[1].Throughput:P0}")
            );
        }

        return string.Join(Environment.NewLine, lines);
    }

    internal static string Json(IReadOnlyList<BenchReport> reports)
    {
        static object Summary(BenchReport r) => new
        {
            ops = r.Operations,
            throughput = Math.Round(r.Throughput, 1),
            p50Ms = Math.Round(r.P50Ms, 3),
            p99Ms = Math.Round(r.P99Ms, 3),
            errors = r.Errors,
            unknown = r.Unknown,
        };

        return reports.Count == 1
            ? JsonSerializer.Serialize(Summary(reports[0]))
            : JsonSerializer.Serialize(new { replicated = Summary(reports[0]), raw = Summary(reports[1]) });
    }
}
