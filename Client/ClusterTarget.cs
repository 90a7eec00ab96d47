using System.CommandLine;
using System.Net;

namespace Orleans.Replication.Cli;

/// <summary>Where the client finds the cluster: static gateways, or the membership table in Redis.</summary>
/// <param name="Gateways">The gateways, with localhost clustering (static gateway list).</param>
/// <param name="Redis">The Redis server of the membership table, HOST:PORT, with Redis clustering; null
/// otherwise.</param>
/// <param name="ClusterId">The cluster id the silos were started with.</param>
/// <param name="ServiceId">The service id the silos were started with.</param>
internal sealed record ClusterTarget(
    IReadOnlyList<IPEndPoint> Gateways,
    string? Redis,
    string ClusterId,
    string ServiceId
)
{
    /// <summary>
    /// The common options that choose the cluster; all recursive, so they may come before or after the verb.
    /// </summary>
    internal sealed class Options
    {
        public Option<string> Clustering { get; } =
            new("--clustering")
            {
                Description =
                    "How to find the silos: localhost (the --gateway list, default) or redis (the membership table " +
                    "at --redis).",
                DefaultValueFactory = _ => "localhost",
                Recursive = true,
            };

        public Option<string?> Redis { get; } =
            new("--redis")
            {
                Description = "Redis server of the membership table, HOST:PORT (with --clustering redis).",
                Recursive = true,
            };

        public Option<string> ClusterId { get; } =
            new("--cluster-id")
            {
                Description = "The cluster id of the silos (default: default).",
                DefaultValueFactory = _ => "default",
                Recursive = true,
            };

        public Option<string> ServiceId { get; } =
            new("--service-id")
            {
                Description = "The service id of the silos (default: default).",
                DefaultValueFactory = _ => "default",
                Recursive = true,
            };

        public void AddTo(Command command)
        {
            command.Add(Clustering);
            command.Add(Redis);
            command.Add(ClusterId);
            command.Add(ServiceId);
        }

        /// <summary>
        /// The target chosen by <paramref name="p"/>; throws <see cref="ArgumentException"/> naming a bad option.
        /// </summary>
        public ClusterTarget Resolve(ParseResult p, string[]? gateways)
        {
            var clustering = p.GetValue(Clustering)!;
            var redis = p.GetValue(Redis);
            if (clustering is not ("localhost" or "redis"))
            {
                throw new ArgumentException($"--clustering must be localhost or redis; it is '{clustering}'.");
            }

            if (clustering == "redis" && string.IsNullOrWhiteSpace(redis))
            {
                throw new ArgumentException("--clustering redis needs --redis HOST:PORT.");
            }

            if (clustering == "redis" && gateways is { Length: > 0 })
            {
                throw new ArgumentException(
                    "--gateway and --clustering redis exclude each other: with Redis the gateways come from the " +
                    "membership table."
                );
            }

            if (clustering == "localhost" && redis is not null)
            {
                throw new ArgumentException("--redis needs --clustering redis.");
            }

            return new ClusterTarget(
                clustering == "redis" ? [] : Cli.ParseGateways(gateways),
                clustering == "redis" ? redis : null,
                p.GetValue(ClusterId)!,
                p.GetValue(ServiceId)!);
        }
    }

    /// <summary>Where the client connects, for messages.</summary>
    public override string ToString() =>
        Redis is null ? string.Join(", ", Gateways) : $"the cluster '{ClusterId}' in Redis at {Redis}";
}
