using System.Net;
using Microsoft.Extensions.Configuration;

namespace Orleans.Replication.Silo;

/// <summary>
/// How the silo host runs: clustering, ports, and what it exposes. Bound from the configuration section <c>Silo</c>.
/// </summary>
/// <remarks>
/// Each setting comes, in rising precedence, from appsettings.json beside the executable, environment variables
/// (<c>Silo__ClusterId</c>, or <c>ORLEANS_REPLICATION_Silo__ClusterId</c>) and the command line (<c>--cluster-id</c>).
/// </remarks>
internal sealed class SiloSettings
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Silo";

    /// <summary>Instance number on this machine (0..99): ports are derived from it unless set explicitly.</summary>
    public int Instance { get; set; }

    /// <summary>Silo-to-silo port of instance 0.</summary>
    public int SiloBasePort { get; set; } = SiloPorts.SiloBase;

    /// <summary>Client gateway port of instance 0.</summary>
    public int GatewayBasePort { get; set; } = SiloPorts.GatewayBase;

    /// <summary>Silo-to-silo port; default <see cref="SiloBasePort"/> + <see cref="Instance"/>.</summary>
    public int? SiloPort { get; set; }

    /// <summary>Client gateway port; default <see cref="GatewayBasePort"/> + <see cref="Instance"/>.</summary>
    public int? GatewayPort { get; set; }

    /// <summary><c>localhost</c> (development: instance 0 holds the membership table) or <c>redis</c>.</summary>
    public string Clustering { get; set; } = "localhost";

    /// <summary>
    /// The Redis server of the membership table, HOST:PORT (or a StackExchange.Redis configuration string).
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>The cluster's id: silos and clients of one cluster share it.</summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>The service's id: stays the same across deployments of the cluster.</summary>
    public string ServiceId { get; set; } = "default";

    /// <summary>
    /// The address other silos and clients reach this silo at; default: loopback on localhost clustering, the host's
    /// address otherwise.
    /// </summary>
    public string? AdvertisedIP { get; set; }

    /// <summary>Port of a Prometheus scrape endpoint (<c>/metrics</c>) for the meters; none when unset.</summary>
    public int? PrometheusPort { get; set; }

    /// <summary>Host name the Prometheus endpoint listens on; <c>*</c> for every interface.</summary>
    public string PrometheusHost { get; set; } = "localhost";

    /// <summary>OTLP endpoint the meters are exported to (such as http://collector:4317); none when unset.</summary>
    public string? Otlp { get; set; }

    /// <summary>Port of the Orleans Dashboard (<c>http://HOST:PORT/</c>); none when unset.</summary>
    public int? DashboardPort { get; set; }

    /// <summary>
    /// Console log format: <c>simple</c> (one line per entry) or <c>json</c> (one JSON object per entry).
    /// </summary>
    public string LogFormat { get; set; } = "simple";

    /// <summary>Seconds the silo may take to start (join the cluster) before it gives up.</summary>
    public double StartTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// The silo's name (Orleans' <c>SiloOptions.SiloName</c>), which its data directory is claimed for; default
    /// <c>silo-</c> and the silo port, so that a silo started again on its port finds its data.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Keeps every node in memory only, with no data directory (a crash of a majority of a group's silos loses its
    /// acknowledged writes).
    /// </summary>
    public bool InMemory { get; set; }

    public bool IsRedis => string.Equals(Clustering, "redis", StringComparison.OrdinalIgnoreCase);

    public int EffectiveSiloPort => SiloPort ?? SiloBasePort + Instance;

    public int EffectiveGatewayPort => GatewayPort ?? GatewayBasePort + Instance;

    public string EffectiveName => Name ?? $"silo-{EffectiveSiloPort}";

    /// <summary>The settings of the <see cref="Section"/> section; an unknown setting in it throws.</summary>
    /// <exception cref="InvalidOperationException">A value of the wrong type, or an unknown setting.</exception>
    public static SiloSettings Bind(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<SiloSettings>(o => o.ErrorOnUnknownConfiguration = true)
        ?? new SiloSettings();

    /// <summary>Every problem, each naming its setting; empty when the settings can run.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string name, object? value, string rule)
        {
            if (!ok)
            {
                errors.Add($"Silo:{name} is '{value}'; it must be {rule}.");
            }
        }

        Check(Instance is >= 0 and <= 99, nameof(Instance), Instance, "0..99");
        Check(IsPort(SiloBasePort), nameof(SiloBasePort), SiloBasePort, "a port 1024..65535");
        Check(IsPort(GatewayBasePort), nameof(GatewayBasePort), GatewayBasePort, "a port 1024..65535");
        Check(SiloPort is null || IsPort(SiloPort.Value), nameof(SiloPort), SiloPort, "a port 1024..65535");
        Check(GatewayPort is null || IsPort(GatewayPort.Value), nameof(GatewayPort), GatewayPort, "a port 1024..65535");
        Check(
            IsPort(EffectiveSiloPort) && IsPort(EffectiveGatewayPort) && EffectiveSiloPort != EffectiveGatewayPort,
            "SiloPort",
            $"{EffectiveSiloPort} (gateway {EffectiveGatewayPort})",
            "a port 1024..65535 other than the gateway port"
        );
        Check(
            IsRedis || string.Equals(Clustering, "localhost", StringComparison.OrdinalIgnoreCase),
            nameof(Clustering),
            Clustering,
            "localhost or redis"
        );
        Check(
            !IsRedis || !string.IsNullOrWhiteSpace(Redis),
            nameof(Redis),
            Redis,
            "HOST:PORT of the Redis server when Clustering is redis"
        );
        Check(IsId(ClusterId), nameof(ClusterId), ClusterId, "1..100 letters, digits, '-', '_' or '.'");
        Check(IsId(ServiceId), nameof(ServiceId), ServiceId, "1..100 letters, digits, '-', '_' or '.'");
        Check(
            AdvertisedIP is null || IPAddress.TryParse(AdvertisedIP, out _),
            nameof(AdvertisedIP),
            AdvertisedIP,
            "an IP address"
        );
        Check(
            PrometheusPort is null || PrometheusPort is >= 1 and <= 65535,
            nameof(PrometheusPort),
            PrometheusPort,
            "a port 1..65535"
        );
        Check(!string.IsNullOrWhiteSpace(PrometheusHost), nameof(PrometheusHost), PrometheusHost, "a host name or *");
        Check(
            Otlp is null || (Uri.TryCreate(Otlp, UriKind.Absolute, out var otlp) && otlp.Scheme is "http" or "https"),
            nameof(Otlp),
            Otlp,
            "an http:// or https:// URL"
        );
        Check(
            DashboardPort is null || DashboardPort is >= 1 and <= 65535,
            nameof(DashboardPort),
            DashboardPort,
            "a port 1..65535"
        );
        Check(Name is null || IsId(Name), nameof(Name), Name, "1..100 letters, digits, '-', '_' or '.'");
        Check(LogFormat is "simple" or "json", nameof(LogFormat), LogFormat, "simple or json");
        Check(
            double.IsFinite(StartTimeoutSeconds) && StartTimeoutSeconds is > 0 and <= 3600,
            nameof(StartTimeoutSeconds),
            StartTimeoutSeconds,
            "between 0 and 3600"
        );
        var ports = new[] { EffectiveSiloPort, EffectiveGatewayPort, PrometheusPort ?? -1, DashboardPort ?? -2 };
        Check(
            ports.Distinct().Count() == ports.Length,
            "Ports",
            string.Join(", ", ports.Where(p => p > 0)),
            "distinct (silo, gateway, Prometheus and dashboard ports)"
        );
        return errors;
    }

    private static bool IsPort(int port) => port is >= 1024 and <= 65535;

    private static bool IsId(string? id) =>
        !string.IsNullOrEmpty(id)
        && id.Length <= 100
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}

/// <summary>
/// Where the silo keeps its nodes' data, and their durability: from <see cref="SiloSettings.InMemory"/> and the
/// <c>Replication</c> settings <c>DataDirectory</c> and <c>Durability</c>.
/// </summary>
/// <param name="DataDirectory">The data directory's full path; null keeps every node in memory only.</param>
/// <param name="Durability">The silo's group default; null leaves it to the replicated store's default.</param>
/// <param name="IsDefault">
/// Whether <paramref name="DataDirectory"/> is the default one, <c>data/NAME</c> under the working directory, which is
/// created when missing (a directory given explicitly must exist).
/// </param>
internal sealed record SiloStorage(string? DataDirectory, Durability? Durability, bool IsDefault)
{
    /// <summary>Key of the data directory setting (<c>--data-dir</c>).</summary>
    public const string DataDirectoryKey = "Replication:DataDirectory";

    /// <summary>Key of the durability setting (<c>--durability</c>).</summary>
    public const string DurabilityKey = "Replication:Durability";

    /// <summary>The folder under the working directory that holds the default data directories.</summary>
    public const string DefaultRoot = "data";

    /// <summary>
    /// The storage <paramref name="settings"/> and <paramref name="configuration"/> ask for, a relative directory
    /// taken from <paramref name="workingDirectory"/>; or every problem, each naming its setting.
    /// </summary>
    public static (SiloStorage? Storage, IReadOnlyList<string> Errors) Resolve(
        SiloSettings settings,
        IConfiguration configuration,
        string workingDirectory
    )
    {
        var errors = new List<string>();
        string? directory = configuration[DataDirectoryKey];
        string? level = configuration[DurabilityKey];
        Durability? durability = null;
        if (directory is not null && string.IsNullOrWhiteSpace(directory))
        {
            errors.Add($"{DataDirectoryKey} is '{directory}'; it must be a directory's path (--data-dir).");
        }

        if (settings.InMemory && directory is not null)
        {
            errors.Add(
                $"Silo:InMemory (--in-memory) and {DataDirectoryKey} (--data-dir '{directory}') exclude each other; " +
                "pass one."
            );
        }

        if (level is not null)
        {
            if (level.ToLowerInvariant() is "disk" or "buffered" or "memory")
            {
                durability = Enum.Parse<Durability>(level, ignoreCase: true);
            }
            else
            {
                errors.Add($"{DurabilityKey} is '{level}'; it must be disk, buffered or memory (--durability).");
            }
        }

        if (settings.InMemory && durability is Replication.Durability.Disk or Replication.Durability.Buffered)
        {
            errors.Add(
                $"{DurabilityKey} is '{level}'; it must be memory with Silo:InMemory (--in-memory): a silo in memory " +
                "only keeps nothing on disk."
            );
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var storage = settings.InMemory
            ? new SiloStorage(null, durability, IsDefault: false)
            : directory is not null
                ? new SiloStorage(Path.GetFullPath(directory, workingDirectory), durability, IsDefault: false)
                : new SiloStorage(
                    Path.Combine(Path.GetFullPath(workingDirectory), DefaultRoot, settings.EffectiveName),
                    durability,
                    IsDefault: true
                );
        return (storage, errors);
    }

    /// <summary>For the start-up log: where the data is kept and how durably, or that it is not.</summary>
    public static string Describe(string? dataDirectory, Durability durability) =>
        dataDirectory is null
            ? "in memory only: a crash of a majority loses acknowledged writes"
            : durability == Replication.Durability.Memory
                ? $"in {dataDirectory}, durability memory: a crash of a majority loses acknowledged writes"
                : $"in {dataDirectory}, durability {durability.ToString().ToLowerInvariant()}";
}
