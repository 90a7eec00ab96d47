using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.Replication.Client;

namespace Orleans.Replication.Cli;

/// <summary>The command line: verbs, options, exit codes, and one clear error line on failure.</summary>
internal static class Cli
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<int> RunAsync(
        string[] args,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken = default
    )
    {
        var group = new Option<string>("--group")
        {
            Description = "The replication group.",
            DefaultValueFactory = _ => GroupNames.Default,
            Recursive = true,
        };
        var gateways = new Option<string[]>("--gateway")
        {
            Description = "A silo gateway, HOST:PORT (repeatable). Default: the local cluster, localhost:30000.",
            Recursive = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var timeout = new TimeOption(
            "--timeout",
            "Deadline of each operation.",
            TimeSpan.FromSeconds(5),
            TimeSpan.Zero,
            TimeSpan.FromHours(1),
            minExclusive: true
        )
        {
            Recursive = true,
        };
        var verbose = new Option<bool>("--verbose")
        {
            Description = "Show client logs and full errors.",
            Recursive = true,
        };
        var concern = new Option<string>("--write-concern")
        {
            Description = "0..6, majority or all.",
            DefaultValueFactory = _ => "majority",
            Recursive = true,
        };
        var durability = new Option<string?>("--durability")
        {
            Description = "disk, buffered or memory: the least durability a write needs (default: the group's).",
            Recursive = true,
        };
        durability.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && ParseDurability(text) is null)
            {
                r.AddError($"--durability must be disk, buffered or memory, not '{text}'.");
            }
        });
        var consistency = new Option<string>("--consistency")
        {
            Description =
                "strong, session (get with --session), eventual, bounded:TIME (milliseconds, or with a unit: " +
                "bounded:2s) or quorum:R.",
            DefaultValueFactory = _ => "strong",
            Recursive = true,
        };
        var key = new Argument<string>("key") { Description = "The key." };
        var value = new Argument<string>("value") { Description = "The value (UTF-8 text)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var cluster = new ClusterTarget.Options();

        var root = new RootCommand(
            "Orleans.Replication command-line client: put, get, delete, status and bench against a running cluster."
        )
        {
            group, gateways, timeout, verbose, concern, durability, consistency,
        };
        cluster.AddTo(root);

        var put = new Command("put", "Set KEY to VALUE.") { key, value };
        put.SetAction((p, ct) => RunAsync(p, error, ct, async c =>
                {
                    var r = await c
                        .Store.Group(p.GetValue(group)!)
                        .PutAsync(p.GetValue(key)!, p.GetValue(value)!, WriteOpts(p), ct);
                    await output.WriteLineAsync(Written(r.Version, r.Epoch));
                    return ExitCodes.Ok;
                }));

        var session = new Option<string?>("--session")
        {
            Description =
                "Read through the session of this token, EPOCH:INDEX as put, delete and cas print it (session=...): "
                + "the read sees that write, from whichever node serves it. "
                + "Implies --consistency session unless another is given.",
        };
        var get = new Command("get", "Print the value of KEY (exit code 3 when absent).") { key, session };
        get.SetAction((p, ct) =>
        {
            ReadOptions options;
            try
            {
                options = SessionReads.Options(
                    ReadOpts(p),
                    p.GetResult(consistency) is { Implicit: false },
                    p.GetValue(session));
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                error.WriteLine("error: " + e.Message);
                return Task.FromResult(ExitCodes.Usage);
            }

            return RunAsync(p, error, ct, async c =>
            {
                var reader = SessionReads.Reader(c.Store.Group(p.GetValue(group)!), p.GetValue(session));
                var r = await reader.GetAsync(p.GetValue(key)!, options, ct);
                if (!r.Found)
                {
                    await error.WriteLineAsync($"(not found) {p.GetValue(key)}");
                    return ExitCodes.NotFound;
                }

                await output.WriteLineAsync(r.ValueAsString);
                return ExitCodes.Ok;
            });
        });

        var delete = new Command("delete", "Remove KEY.") { key };
        delete.SetAction((p, ct) => RunAsync(p, error, ct, async c =>
        {
            var r = await c.Store.Group(p.GetValue(group)!).DeleteAsync(p.GetValue(key)!, WriteOpts(p), ct);
            await output.WriteLineAsync(Written(r.Version, r.Epoch));
            return ExitCodes.Ok;
        }));

        var status = new Command("status", "Show the group's epoch, primary and nodes.") { json };
        status.SetAction((p, ct) => RunAsync(p, error, ct, async c =>
        {
            var s = await c.Store.Group(p.GetValue(group)!).GetStatusAsync(ct);
            await output.WriteLineAsync(p.GetValue(json) ? StatusJson(s) : StatusTable(s));
            return ExitCodes.Ok;
        }));

        var to = new Option<int?>("--to")
        {
            Description = "The node to promote (default: the most up-to-date replica).",
        };
        var failover = new Command(
            "failover",
            "Planned switchover: a replica catches up fully, then becomes primary.")
        {
            to,
        };
        failover.SetAction((p, ct) => RunAsync(p, error, ct, async c =>
        {
            var route = await c.Store.Group(p.GetValue(group)!).SwitchoverAsync(p.GetValue(to), ct);
            await output.WriteLineAsync(Invariant($"OK primary={route.PrimaryIndex} epoch={route.Epoch}"));
            return ExitCodes.Ok;
        }));

        var syncTimeout = new TimeOption(
            "--sync-timeout",
            "How long the change may take (the new node's full sync), 1s..10m.",
            TimeSpan.FromSeconds(60),
            TimeSpan.FromSeconds(1),
            TimeSpan.FromMinutes(10));
        var addReplica = new Command(
            "add-replica",
            "Add a replica: a new node syncs fully, then joins the group (N grows by one).")
        {
            syncTimeout,
        };
        addReplica.SetAction((p, ct) => RunAsync(p, error, ct, async c =>
        {
            var route = await c.Store.Group(p.GetValue(group)!).AddReplicaAsync(syncTimeout.Value(p), ct);
            await output.WriteLineAsync(
                Invariant($"OK nodes={route.NodeCount} primary={route.PrimaryIndex} epoch={route.Epoch}"));
            return ExitCodes.Ok;
        }));

        var removeReplica = new Command(
            "remove-replica",
            "Remove a replica: the node with the highest index leaves the group (N shrinks by one).")
        {
            syncTimeout,
        };
        removeReplica.SetAction((p, ct) => RunAsync(p, error, ct, async c =>
                {
                    var route = await c.Store.Group(p.GetValue(group)!).RemoveReplicaAsync(syncTimeout.Value(p), ct);
                    await output.WriteLineAsync(
                        Invariant($"OK nodes={route.NodeCount} primary={route.PrimaryIndex} epoch={route.Epoch}")
                    );
                    return ExitCodes.Ok;
                }));

        var acceptLoss = new Option<bool>("--accept-loss")
        {
            Description =
                "Promote the best reachable node even when the nodes that do not answer may hold acknowledged writes " +
                "it lacks: those writes are lost.",
        };
        var recover = new Command(
            "recover",
            "Give a group stuck without a primary a new one: by an ordinary election, or with --accept-loss by " +
            "promoting the best reachable node.")
        {
            acceptLoss,
        };
        recover.SetAction((p, ct) => RunAsync(p, error, ct, async c =>
        {
            var r = await c.Store.Group(p.GetValue(group)!).RecoverAsync(p.GetValue(acceptLoss), ct);
            await output.WriteLineAsync(
                Invariant($"OK primary={r.Route.PrimaryIndex} epoch={r.Route.Epoch} ") +
                Invariant($"may-have-lost-writes={(r.MayHaveLostWrites ? "yes" : "no")}"));
            await (r.MayHaveLostWrites ? error : output).WriteLineAsync(r.Message);
            return ExitCodes.Ok;
        }));

        var bench = BenchCommand.Create(
            output,
            error,
            (p, ct, body) => RunAsync(p, error, ct, body),
            WriteOpts,
            ReadOpts,
            group);
        root.Add(put);
        root.Add(get);
        root.Add(delete);
        root.Add(status);
        root.Add(failover);
        root.Add(addReplica);
        root.Add(removeReplica);
        root.Add(recover);
        root.Add(bench);
        root.Add(BenchEtcdCommand.Create(output, error, Timeout));
        root.Add(CasCommand.Create(output, error, (p, ct, body) => RunAsync(p, error, ct, body), WriteOpts, group));
        root.Add(WatchCommand.Create(output, error, (p, ct, body) => RunAsync(p, error, ct, body), group));
        root.Add(CheckCommand.Create(output, error));
        root.Add(WorkCommands.WordCount(output, error, (p, ct, body) => RunAsync(p, error, ct, body)));
        root.Add(WorkCommands.Tasks(output, error, (p, ct, body) => RunAsync(p, error, ct, body)));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync("error: " + e.Message);
            }

            await error.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(
            new InvocationConfiguration { Output = output, Error = error },
            cancellationToken
        );

        WriteOptions WriteOpts(ParseResult p) => new()
        {
            Concern = WriteConcern.Parse(p.GetValue(concern)!),
            Timeout = Timeout(p),
            Durability = p.GetValue(durability) is { } d ? ParseDurability(d) : null,
        };

        ReadOptions ReadOpts(ParseResult p) => new()
        {
            Consistency = ParseConsistency(p.GetValue(consistency)!),
            Timeout = Timeout(p),
        };

        TimeSpan Timeout(ParseResult p) => timeout.Value(p);

        async Task<int> RunAsync(
            ParseResult p,
            TextWriter err,
            CancellationToken ct,
            Func<ClusterConnection, Task<int>> body
        )
        {
            var isVerbose = p.GetValue(verbose);
            try
            {
                GroupNames.Validate(p.GetValue(group), "--group");
                _ = WriteOpts(p);
                _ = ReadOpts(p);
                var target = cluster.Resolve(p, p.GetValue(gateways));
                await using var connection = await ClusterConnection.ConnectAsync(target, Timeout(p), isVerbose, ct);
                return await body(connection);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                await err.WriteLineAsync("error: " + (isVerbose ? e.ToString() : e.Message));
                return ExitCodes.Usage;
            }
            catch (Exception e)
                when (e is ReplicationException or OrleansException or TimeoutException or InvalidOperationException)
            {
                await err.WriteLineAsync("error: " + (isVerbose ? e.ToString() : e.Message));
                return ExitCodes.Failed;
            }
        }
    }

    internal static IPEndPoint[] ParseGateways(string[]? values)
    {
        if (values is null || values.Length == 0)
        {
            return [new IPEndPoint(IPAddress.Loopback, 30000)];
        }

        return values.Select(v =>
        {
            var colon = v.LastIndexOf(':');
            if (colon <= 0
                || !int.TryParse(v.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535)
            {
                throw new FormatException($"--gateway '{v}' is not HOST:PORT.");
            }

            var host = v[..colon];
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                return new IPEndPoint(IPAddress.Loopback, port);
            }

            if (IPAddress.TryParse(host, out var address))
            {
                return new IPEndPoint(address, port);
            }

            var resolved = Dns.GetHostAddresses(host);
            return resolved.Length > 0
                ? new IPEndPoint(resolved[0], port)
                : throw new FormatException($"--gateway host '{host}' does not resolve.");
        })
            .ToArray();
    }

    /// <summary>A durability level as the command line takes it (any case), or null.</summary>
    internal static Durability? ParseDurability(string text) => text.ToLowerInvariant() switch
    {
        "disk" => Durability.Disk,
        "buffered" => Durability.Buffered,
        "memory" => Durability.Memory,
        _ => null,
    };

    internal static string StatusJson(GroupStatus s) => JsonSerializer.Serialize(new
    {
        group = s.Group,
        epoch = s.Epoch,
        primary = s.PrimaryIndex,
        nodes = s.Nodes.Select(n => new
        {
            id = n.NodeIndex,
            role = n.Role.ToString().ToLowerInvariant(),
            silo = n.Silo,
            appliedIndex = n.AppliedIndex,
            commitIndex = n.CommitIndex,
            durableIndex = n.DurableIndex,
            syncedIndex = n.SyncedIndex,
            durability = n.Durability.ToString().ToLowerInvariant(),
            dataDirectory = n.DataDirectory,
            lagEntries = n.LagEntries,
            lagMs = double.IsFinite(n.LagMs) ? Math.Round(n.LagMs, 1) : -1,
            healthy = n.Healthy,
        }),
    }, Json);

    internal static string StatusTable(GroupStatus s)
    {
        var b = new StringBuilder();
        b.AppendLine(
            Invariant($"group {s.Group}  epoch {s.Epoch}  primary node ") +
            Invariant(
                $"{(s.PrimaryIndex >= 0
                    ? s.PrimaryIndex.ToString(CultureInfo.InvariantCulture)
                    : "none: " + s.Problem)}") +
            Invariant($"  nodes {s.NodeCount}  failovers {s.Failovers}")
        );
        if (s.UnderReplicatedSince is { } since)
        {
            b.AppendLine(Invariant($"under-replicated since {since:u}: {s.Repair}"));
        }

        if (s.NextElection is { } next)
        {
            b.AppendLine(Invariant($"next election at {next:u}"));
        }

        b.AppendLine(
            Invariant($"{"node",-5} {"role",-10} {"silo",-28} {"applied",9} {"commit",9} {"durable",9} ") +
            Invariant($"{"synced",9} {"kept",-8} ") +
            Invariant($"{"lag",7} {"lag ms",8} ") +
            Invariant($"{"healthy",-8}")
        );
        foreach (var n in s.Nodes)
        {
            b.AppendLine(
                Invariant($"{n.NodeIndex,-5} {n.Role.ToString().ToLowerInvariant(),-10} {n.Silo,-28} ") +
                Invariant($"{n.AppliedIndex,9} {n.CommitIndex,9} {n.DurableIndex,9} ") +
                Invariant($"{n.SyncedIndex,9} {n.Durability.ToString().ToLowerInvariant(),-8} ") +
                Invariant($"{n.LagEntries,7} {n.LagMs,8:0.0} ") +
                Invariant($"{(n.Healthy ? "yes" : "no: " + n.Problem),-8}")
            );
        }

        foreach (var n in s.Nodes.Where(n => n.DataDirectory is not null))
        {
            b.AppendLine(Invariant($"node {n.NodeIndex} keeps its log in {n.DataDirectory}"));
        }

        return b.ToString().TrimEnd();
    }

    /// <summary>
    /// What put, delete and cas print: the write's version and epoch, and its session token for <c>get --session</c>.
    /// </summary>
    internal static string Written(long version, long epoch) =>
        Invariant($"OK version={version} epoch={epoch} session={new SessionToken(epoch, version)}");

    /// <summary>
    /// A read consistency as <see cref="ReadConsistency.Parse"/> takes it, except that the bound of <c>bounded:TIME</c>
    /// may carry a unit (<c>bounded:500ms</c>, <c>bounded:2s</c>); a bare number stays milliseconds.
    /// </summary>
    internal static ReadConsistency ParseConsistency(string text)
    {
        const string Bounded = "bounded:";
        var s = text.Trim();
        if (s.StartsWith(Bounded, StringComparison.OrdinalIgnoreCase))
        {
            return TimeOption.TryParse(s[Bounded.Length..], TimeSpan.FromMilliseconds(1), out var bound)
                ? ReadConsistency.BoundedStaleness(bound)
                : throw new FormatException(
                    $"'{text}' is not a read consistency: the bound of bounded:TIME is milliseconds or a time with a " +
                    "unit (bounded:500ms, bounded:2s)."
                );
        }

        return ReadConsistency.Parse(s);
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
