using System.CommandLine;
using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Orleans.Replication.Testing.Bench;

namespace Orleans.Replication.Cli;

/// <summary>
/// The <c>bench-etcd</c> verb: the load of <c>bench</c> (closed-loop callers putting random keys of the key space) run
/// against an etcd cluster instead, for comparing durable writes; results print as <c>bench</c> prints them.
/// </summary>
/// <remarks>
/// Each put is one etcd v3 <c>Put</c> over gRPC, acknowledged by etcd once a majority of its members has it in the log
/// on disk. <c>Client/scripts/etcd-cluster.sh</c> starts a 3-member cluster on the default endpoints. Exit code 0 when
/// every put succeeded, 1 when any failed or etcd cannot be reached, 2 for a bad command line.
/// </remarks>
internal static class BenchEtcdCommand
{
    /// <summary>The client endpoints of the cluster that <c>etcd-cluster.sh</c> starts.</summary>
    public const string DefaultEndpoints = "http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379";

    /// <summary>
    /// The verb; <paramref name="timeout"/> gives the deadline of each put (the root's <c>--timeout</c>).
    /// </summary>
    public static Command Create(TextWriter output, TextWriter error, Func<ParseResult, TimeSpan> timeout)
    {
        var endpoints = new Option<string>("--endpoints")
        {
            Description = "The etcd client endpoints, comma-separated http:// or https:// URLs.",
            DefaultValueFactory = _ => DefaultEndpoints,
        };
        var clients = new Option<int>("--clients")
        {
            Description = "Concurrent callers.",
            DefaultValueFactory = _ => 50,
        };
        var valueSize = new Option<int>("--value-size")
        {
            Description = "Bytes per value.",
            DefaultValueFactory = _ => 100,
        };
        var keys = new Option<int>("--keys") { Description = "Distinct keys.", DefaultValueFactory = _ => 10_000 };
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
            "Unmeasured load before measuring, up to 1h.",
            TimeSpan.FromSeconds(5),
            TimeSpan.Zero,
            TimeSpan.FromHours(1)
        );
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var command = new Command(
            "bench-etcd",
            "Load generator against an etcd cluster: throughput and latency percentiles of its puts, as bench prints."
        )
        {
            endpoints, clients, valueSize, keys, duration, warmup, json,
        };
        command.SetAction(async (p, ct) =>
        {
            BenchOptions options;
            string connection;
            try
            {
                connection = ParseEndpoints(p.GetValue(endpoints));
                options = new BenchOptions
                {
                    Clients = p.GetValue(clients),
                    Duration = duration.Value(p),
                    Warmup = warmup.Value(p),
                    Keys = p.GetValue(keys),
                    ValueSize = p.GetValue(valueSize),
                };
                options.Validate();
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync("error: " + e.Message);
                return ExitCodes.Usage;
            }

            var quiet = p.GetValue(json);
            using var client = new EtcdClient(connection);
            var run = new EtcdPuts(client, options, timeout(p));
            try
            {
                await run.FirstAsync(ct);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                await error.WriteLineAsync($"error: etcd at {connection} did not take a put: {e.Message}");
                return ExitCodes.Failed;
            }

            void Progress(long done, TimeSpan elapsed)
            {
                if (!quiet)
                {
                    error.Write(
                        Cli.Invariant($"\r  {elapsed.TotalSeconds,5:0.0} s  {done,10} ops  ") +
                        Cli.Invariant($"{done / Math.Max(0.001, elapsed.TotalSeconds),10:0} ops/s"));
                }
            }

            if (options.Warmup > TimeSpan.Zero)
            {
                await BenchLoop.RunAsync(options with { Duration = options.Warmup }, "warm-up", run.Caller, null, ct);
            }

            var report = await BenchLoop.RunAsync(options, $"etcd {connection}", run.Caller, Progress, ct);
            if (!quiet)
            {
                error.WriteLine();
            }

            await output.WriteLineAsync(quiet ? BenchCommand.Json([report]) : BenchCommand.Text([report]));
            return report.Errors > 0 || report.Unknown > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The endpoints of <paramref name="text"/> as the etcd client takes them; throws <see cref="ArgumentException"/>
    /// when one is not an absolute http:// or https:// URL.
    /// </summary>
    internal static string ParseEndpoints(string? text)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException("--endpoints must name at least one URL, such as http://127.0.0.1:2379.");
        }

        foreach (var part in parts)
        {
            if (
                !Uri.TryCreate(part, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https")
                || uri.AbsolutePath != "/"
                || uri.Query.Length > 0
            )
            {
                throw new ArgumentException(
                    $"--endpoints '{part}' is not an etcd endpoint: give http://HOST:PORT or https://HOST:PORT."
                );
            }
        }

        return string.Join(',', parts);
    }

    /// <summary>The puts of one run: random keys of the key space, each with the same value.</summary>
    private sealed class EtcdPuts
    {
        private readonly EtcdClient _client;
        private readonly TimeSpan _timeout;
        private readonly ByteString[] _keys;
        private readonly ByteString _value;

        public EtcdPuts(EtcdClient client, BenchOptions options, TimeSpan timeout)
        {
            _client = client;
            _timeout = timeout;
            _keys = Enumerable
                .Range(0, options.Keys)
                .Select(i => ByteString.CopyFromUtf8("k" + i.ToString(CultureInfo.InvariantCulture)))
                .ToArray();
            var value = new byte[options.ValueSize];
            new Random(options.Seed).NextBytes(value);
            _value = ByteString.CopyFrom(value);
        }

        /// <summary>One put, before anything is measured: throws when etcd does not take it.</summary>
        public Task FirstAsync(CancellationToken cancellationToken) => PutAsync(_keys[0], cancellationToken);

        /// <summary>A caller of <see cref="BenchLoop"/>: puts until the loop stops it.</summary>
        public Func<CancellationToken, Task<BenchLoop.Outcome>> Caller(int caller, Random random) =>
            async ct =>
            {
                try
                {
                    await PutAsync(_keys[random.Next(_keys.Length)], ct);
                    return BenchLoop.Outcome.Ok;
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.DeadlineExceeded or StatusCode.Cancelled)
                {
                    // The put may or may not have been applied.
                    return BenchLoop.Outcome.Unknown;
                }
                catch (RpcException)
                {
                    return BenchLoop.Outcome.Error;
                }
            };

        private async Task PutAsync(ByteString key, CancellationToken cancellationToken)
        {
            var request = new PutRequest { Key = key, Value = _value };
            await _client.PutAsync(
                request,
                deadline: DateTime.UtcNow + _timeout,
                cancellationToken: cancellationToken
            );
        }
    }
}
