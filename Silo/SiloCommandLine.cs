using System.CommandLine;

namespace Orleans.Replication.Silo;

/// <summary>
/// The silo's command line: each option sets one <see cref="SiloSettings"/> key (or, for the data directory and
/// durability, one <c>Replication</c> key); <c>--Section:Key=value</c> sets any other.
/// </summary>
internal static class SiloCommandLine
{
    /// <summary>
    /// Parses <paramref name="args"/> into configuration keys and values, or the errors that stop the silo.
    /// </summary>
    public static (Dictionary<string, string?> Values, List<string> Errors, ParseResult Parse) Parse(string[] args)
    {
        var options = new (Option Option, string Key)[]
        {
            (
                new Option<int>("--instance")
                {
                    Description =
                        "Instance number on this machine (0..99): silo port = silo base + I, gateway port = gateway " +
                        "base + I. On localhost clustering instance 0 holds the membership table.",
                },
                "Instance"
            ),
            (
                new Option<int>("--silo-base-port")
                {
                    Description = "Silo-to-silo port of instance 0 (default 11111).",
                },
                "SiloBasePort"
            ),
            (
                new Option<int>("--gateway-base-port")
                {
                    Description = "Client gateway port of instance 0 (default 30000).",
                },
                "GatewayBasePort"
            ),
            (
                new Option<int>("--silo-port")
                {
                    Description = "Silo-to-silo port (overrides the one derived from --instance).",
                },
                "SiloPort"
            ),
            (
                new Option<int>("--gateway-port")
                {
                    Description = "Client gateway port (overrides the one derived from --instance).",
                },
                "GatewayPort"
            ),
            (
                new Option<string>("--clustering")
                {
                    Description = "Membership: localhost (development, default) or redis.",
                },
                "Clustering"
            ),
            (
                new Option<string>("--redis")
                {
                    Description = "Redis server of the membership table, HOST:PORT (with --clustering redis).",
                },
                "Redis"
            ),
            (
                new Option<string>("--cluster-id")
                {
                    Description = "Cluster id shared by the silos and clients of one cluster (default: default).",
                },
                "ClusterId"
            ),
            (
                new Option<string>("--service-id")
                {
                    Description = "Service id, stable across deployments (default: default).",
                },
                "ServiceId"
            ),
            (
                new Option<string>("--advertise")
                {
                    Description = "IP address other silos and clients reach this silo at.",
                },
                "AdvertisedIP"
            ),
            (
                new Option<int>("--prometheus")
                {
                    Description =
                        "Serve the meters Orleans.Replication and Microsoft.Orleans for Prometheus at " +
                        "http://HOST:PORT/metrics.",
                },
                "PrometheusPort"
            ),
            (
                new Option<string>("--prometheus-host")
                {
                    Description = "Host the Prometheus endpoint listens on (default localhost; * for all).",
                },
                "PrometheusHost"
            ),
            (
                new Option<string>("--otlp")
                {
                    Description = "Export the meters over OTLP to this URL (such as http://localhost:4317).",
                },
                "Otlp"
            ),
            (
                new Option<int>("--dashboard")
                {
                    Description = "Serve the Orleans Dashboard at http://localhost:PORT/dashboard.",
                },
                "DashboardPort"
            ),
            (
                new Option<string>("--log-format")
                {
                    Description = "Console logs: simple (one line per entry, default) or json.",
                },
                "LogFormat"
            ),
            (
                new Option<string>("--name")
                {
                    Description =
                        "The silo's name (1..100 letters, digits, '-', '_', '.'), which its data directory is " +
                        "claimed for (default silo-PORT, PORT the silo port).",
                },
                "Name"
            ),
            (
                new Option<string>("--data-dir")
                {
                    Description =
                        "Directory that keeps every node's write-ahead log and snapshots; it must exist. Default " +
                        "data/NAME under the working directory, created if missing.",
                },
                SiloStorage.DataDirectoryKey
            ),
            (
                new Option<bool>("--in-memory")
                {
                    Description =
                        "Keep every node in memory only, with no data directory: a crash of a majority of a " +
                        "group's silos loses its acknowledged writes.",
                },
                "InMemory"
            ),
            (
                new Option<string>("--durability")
                {
                    Description =
                        "Durability of this silo's groups: disk (fsync before acknowledging, default with a data " +
                        "directory), buffered (fsync within 100 ms) or memory.",
                },
                SiloStorage.DurabilityKey
            ),
        };
        var root = new RootCommand(
            "Orleans.Replication silo: hosts replicated key-value groups. Settings also come from appsettings.json "
                + "and environment variables (ORLEANS_REPLICATION_Silo__ClusterId, "
                + "ORLEANS_REPLICATION_Replication__DefaultNodeCount); any other setting "
                + "as --Section:Key=value, such as --Replication:DefaultNodeCount=5."
        )
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var (option, _) in options)
        {
            root.Add(option);
        }

        var parse = root.Parse(args);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var errors = parse.Errors.Select(e => e.Message).ToList();
        foreach (var (option, key) in options)
        {
            if (parse.GetResult(option) is { Implicit: false } result)
            {
                // A flag given without a value (--in-memory) is on.
                values[key.Contains(':', StringComparison.Ordinal) ? key : $"{SiloSettings.Section}:{key}"] =
                    result.Tokens.Count > 0 ? result.Tokens[^1].Value : option is Option<bool> ? "true" : null;
            }
        }

        var unmatched = parse.UnmatchedTokens;
        for (var i = 0; i < unmatched.Count; i++)
        {
            var token = unmatched[i];
            var key = token.StartsWith("--", StringComparison.Ordinal) ? token[2..] : null;
            if (
                key is null
                || !key.Contains(':', StringComparison.Ordinal)
                || key.StartsWith(':')
                || key.StartsWith('=')
            )
            {
                errors.Add(
                    $"Unrecognized command or argument '{token}' (settings other than the options above are given as " +
                    "--Section:Key=value)."
                );
                continue;
            }

            var equals = key.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                values[key[..equals]] = key[(equals + 1)..];
            }
            else if (i + 1 < unmatched.Count && !unmatched[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                values[key] = unmatched[++i];
            }
            else
            {
                errors.Add($"Setting '{token}' has no value (use --Section:Key=value).");
            }
        }

        return (values, errors, parse);
    }
}
