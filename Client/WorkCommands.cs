using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Orleans.Replication.Client;
using Orleans.Replication.LoadBalancing;
using Orleans.Replication.Work;

namespace Orleans.Replication.Cli;

/// <summary>
/// The work-distribution verbs: <c>wordcount FILE...</c> (MapReduce on the cluster) and <c>tasks status</c>.
/// </summary>
internal static class WorkCommands
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static Command WordCount(
        TextWriter output,
        TextWriter error,
        Func<ParseResult, CancellationToken, Func<ClusterConnection, Task<int>>, Task<int>> run
    )
    {
        var files = new Argument<string[]>("file")
        {
            Description = "UTF-8 text files.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var fromGroup = new Option<bool>("--from-group")
        {
            Description = "Count the values of the replication group named by --group instead of files.",
        };
        var top = new Option<int>("--top")
        {
            Description = "How many of the most frequent words to print.",
            DefaultValueFactory = _ => 10,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var pool = PoolOption();
        var chunkKb = new Option<int>("--chunk-kb")
        {
            Description = "KiB of text per map task.",
            DefaultValueFactory = _ => 1024,
        };
        var strategy = new Option<string?>("--strategy")
        {
            Description = "How responders are picked: round-robin, least-connections, weighted-response-time, " +
                "lag-aware, p2c (default: the pool's).",
        };
        var baseline = new Option<bool>("--baseline")
        {
            Description = "Also count the same files on one thread in this process and compare (time and counts).",
        };
        var command = new Command(
            "wordcount",
            "Count words (lower-cased, split on white space) of files, or of a group's values, with MapReduce on the " +
            "cluster's responders.")
        {
            files, fromGroup, top, json, pool, chunkKb, strategy, baseline,
        };
        command.SetAction((p, ct) =>
        {
            var paths = p.GetValue(files) ?? [];
            try
            {
                if (p.GetValue(fromGroup))
                {
                    if (paths.Length > 0 || p.GetValue(baseline))
                    {
                        throw new ArgumentException(
                            "--from-group counts a group's values: give no files and no --baseline with it.");
                    }
                }
                else
                {
                    FileChunks.Validate(paths);
                }

                if (p.GetValue(top) is < 0 or > 1_000_000 || p.GetValue(chunkKb) is < 1 or > 65_536)
                {
                    throw new ArgumentException("--top must be 0..1000000 and --chunk-kb 1..65536.");
                }

                WorkLimits.ValidatePool(p.GetValue(pool), "--pool");
                _ = ParseStrategy(p.GetValue(strategy));
            }
            catch (ArgumentException e)
            {
                error.WriteLine("error: " + e.Message);
                return Task.FromResult(ExitCodes.Usage);
            }

            return run(p, ct, async c =>
            {
                var quiet = p.GetValue(json);
                var job = new MapReduceJob
                {
                    ChunkBytes = p.GetValue(chunkKb) * 1024,
                    Strategy = ParseStrategy(p.GetValue(strategy)),
                };
                var display = new ProgressLine(error, quiet);
                var workPool = c.Work.Pool(p.GetValue(pool)!);
                var result = p.GetValue(fromGroup)
                    ? await workPool.WordCountAsync(c.Store.Group(p.GetValue<string>("--group")!), job, display, ct)
                    : await workPool.WordCountAsync(paths, job, display, ct);
                display.Finish();
                Baseline? reference = p.GetValue(baseline)
                    ? await CountLocallyAsync(paths, job.ChunkBytes, result.Counts, ct)
                    : null;
                await output.WriteLineAsync(
                    quiet ? ToJson(result, p.GetValue(top), reference) : ToText(result, p.GetValue(top), reference));
                return reference is { Same: false } ? ExitCodes.Failed : ExitCodes.Ok;
            });
        });
        return command;
    }

    public static Command Tasks(
        TextWriter output,
        TextWriter error,
        Func<ParseResult, CancellationToken, Func<ClusterConnection, Task<int>>, Task<int>> run
    )
    {
        var pool = PoolOption();
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var status = new Command(
            "status",
            "Queued, running, done and failed tasks of a pool, and its responders' health, load and response times."
        )
        {
            pool,
            json,
        };
        status.SetAction((p, ct) => run(p, ct, async c =>
        {
            var s = await c.Work.Pool(p.GetValue(pool)!).GetStatusAsync(ct);
            await output.WriteLineAsync(p.GetValue(json) ? JsonSerializer.Serialize(s, Json) : StatusTable(s));
            return ExitCodes.Ok;
        }));
        return new Command("tasks", "Work distribution: task pools and their responders.") { status };
    }

    internal static string StatusTable(PoolStatus s)
    {
        var b = new StringBuilder();
        b.AppendLine(
            Cli.Invariant($"pool {s.Pool}  strategy {s.Strategy}  queued {s.Queued}/{s.QueueCapacity}  ") +
            Cli.Invariant($"running {s.Running}  succeeded {s.Succeeded}  failed {s.Failed}  retried {s.Retried}  ") +
            Cli.Invariant($"unfetched {s.UnfetchedResults}")
        );
        b.AppendLine(
            Cli.Invariant($"{"id",-4} {"silo",-28} {"healthy",-8} {"in-flight",9} {"avg ms",9} {"completed",10}")
        );
        foreach (var r in s.Responders)
        {
            b.AppendLine(
                Cli.Invariant($"{r.Id,-4} {r.Silo,-28} {(r.Healthy ? "yes" : "no"),-8} {r.InFlight,9} ") +
                Cli.Invariant($"{r.AverageResponseMs,9:0.0} {r.Completed,10}") +
                Cli.Invariant($"{(r.Problem is null ? "" : "  " + r.Problem)}")
            );
        }

        return b.ToString().TrimEnd();
    }

    private static Option<string> PoolOption() =>
        new("--pool") { Description = "The work pool.", DefaultValueFactory = _ => WorkLimits.DefaultPool };

    private static LoadBalancingStrategy? ParseStrategy(string? text) =>
        text is null ? null : LoadBalancingStrategies.Parse(text);

    /// <summary>The single-threaded reference: the same files, the same chunks, one dictionary, this process.</summary>
    private static async Task<Baseline> CountLocallyAsync(
        IReadOnlyList<string> files,
        int chunkBytes,
        IReadOnlyDictionary<string, long> distributed,
        CancellationToken ct
    )
    {
        var watch = Stopwatch.StartNew();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long bytes = 0;
        await foreach (var chunk in FileChunks.ReadAsync(files, chunkBytes, 64 << 20, ct))
        {
            bytes += chunk.Length;
            WordCounting.CountInto(chunk.Span, counts);
        }

        var elapsed = watch.Elapsed;
        var same =
            counts.Count == distributed.Count
            && counts.All(c => distributed.TryGetValue(c.Key, out var n) && n == c.Value);
        return new Baseline(elapsed, bytes, same);
    }

    private static string ToText(WordCountResult r, int top, Baseline? reference)
    {
        var b = new StringBuilder();
        var j = r.Job;
        b.AppendLine(
            Cli.Invariant($"words {r.TotalWords}  distinct {r.Counts.Count}  bytes {j.Bytes}  chunks {j.Chunks}  ") +
            Cli.Invariant($"reductions ") +
            Cli.Invariant($"{j.Reductions}  retries {j.Retries}  {j.Elapsed.TotalSeconds:0.00} s  ") +
            Cli.Invariant($"{MegabytesPerSecond(j.Bytes, j.Elapsed):0.0} MB/s")
        );
        if (reference is { } x)
        {
            b.AppendLine(
                Cli.Invariant($"single thread in this process: {x.Elapsed.TotalSeconds:0.00} s  ") +
                Cli.Invariant($"{MegabytesPerSecond(x.Bytes, x.Elapsed):0.0} MB/s  ") +
                Cli.Invariant($"same counts: {(x.Same ? "yes" : "NO")}")
            );
        }

        foreach (var (word, count) in r.Top(top))
        {
            b.AppendLine(Cli.Invariant($"{count,12} {word}"));
        }

        return b.ToString().TrimEnd();
    }

    private static string ToJson(WordCountResult r, int top, Baseline? reference) =>
        JsonSerializer.Serialize(
            new
            {
                words = r.TotalWords,
                distinct = r.Counts.Count,
                bytes = r.Job.Bytes,
                chunks = r.Job.Chunks,
                reductions = r.Job.Reductions,
                retries = r.Job.Retries,
                seconds = Math.Round(r.Job.Elapsed.TotalSeconds, 3),
                mbPerSecond = Math.Round(MegabytesPerSecond(r.Job.Bytes, r.Job.Elapsed), 2),
                chunksByResponder = r
                    .Job.ChunksByResponder.OrderBy(c => c.Key)
                    .ToDictionary(c => c.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), c => c.Value),
                top = r.Top(top).Select(c => new { word = c.Key, count = c.Value }),
                baseline = reference is { } x
                    ? new
                    {
                        seconds = Math.Round(x.Elapsed.TotalSeconds, 3),
                        mbPerSecond = Math.Round(MegabytesPerSecond(x.Bytes, x.Elapsed), 2),
                        same = x.Same,
                    }
                    : null,
            },
            Json
        );

    private static double MegabytesPerSecond(long bytes, TimeSpan elapsed) =>
        bytes / 1e6 / Math.Max(elapsed.TotalSeconds, 1e-6);

    private sealed record Baseline(TimeSpan Elapsed, long Bytes, bool Same);

    /// <summary>One line on standard error, redrawn at most five times a second (thread-safe).</summary>
    private sealed class ProgressLine(TextWriter error, bool quiet) : IProgress<MapReduceProgress>
    {
        private readonly object _lock = new();
        private readonly Stopwatch _watch = Stopwatch.StartNew();
        private long _lastDrawMs = -1000;
        private bool _drawn;

        public void Report(MapReduceProgress value)
        {
            if (quiet)
            {
                return;
            }

            lock (_lock)
            {
                var now = _watch.ElapsedMilliseconds;
                if (now - _lastDrawMs < 200 && value.Phase == "map")
                {
                    return;
                }

                _lastDrawMs = now;
                _drawn = true;
                var seconds = Math.Max(_watch.Elapsed.TotalSeconds, 1e-3);
                error.Write(
                    Cli.Invariant($"\r  {value.Phase,-8} {value.BytesRead / 1e6,9:0.0} MB read  ") +
                    Cli.Invariant($"{value.ChunksMapped,6}/{value.ChunksSubmitted,-6} chunks mapped  ") +
                    Cli.Invariant($"{value.Reductions,4} reductions  {value.Retries,3} retries  ") +
                    Cli.Invariant($"{value.BytesRead / 1e6 / seconds,7:0.0} MB/s ")
                );
            }
        }

        public void Finish()
        {
            lock (_lock)
            {
                if (_drawn)
                {
                    error.WriteLine();
                }
            }
        }
    }
}
