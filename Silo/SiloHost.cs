using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Replication.WriteAhead;
using StackExchange.Redis;

namespace Orleans.Replication.Silo;

/// <summary>
/// Builds the silo's host from its settings: clustering, endpoints, name, data directory, logs, metrics and the
/// dashboard.
/// </summary>
internal static class SiloHost
{
    /// <summary>
    /// Prefix of the environment variables read besides the unprefixed ones (which .NET reads by default).
    /// </summary>
    public const string EnvironmentPrefix = "ORLEANS_REPLICATION_";

    /// <summary>
    /// Configuration in rising precedence: appsettings.json beside the executable, environment, prefixed environment,
    /// command line.
    /// </summary>
    public static IConfigurationRoot LoadConfiguration(IReadOnlyDictionary<string, string?> commandLine) =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddInMemoryCollection(commandLine)
            .Build();

    /// <summary>
    /// Checks and claims the silo's data directory (creating the default one when missing) before anything else
    /// touches it; nothing to do in memory.
    /// </summary>
    /// <exception cref="ReplicationDataDirectoryException">The directory cannot be used; it was not changed.
    /// </exception>
    public static void PrepareDataDirectory(SiloSettings settings, SiloStorage storage)
    {
        if (storage.DataDirectory is not { } directory)
        {
            return;
        }

        if (storage.IsDefault && !Directory.Exists(directory))
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ReplicationDataDirectoryException(
                    directory,
                    $"The data directory '{directory}' cannot be created ({e.Message}); pass another with " +
                    "--data-dir, or run in memory only with --in-memory.",
                    e
                );
            }
        }

        DataDirectory.Prepare(directory, settings.ClusterId, settings.EffectiveName);
    }

    /// <summary>The host; with a dashboard port, an ASP.NET Core host that serves the dashboard too.</summary>
    public static IHost Build(SiloSettings settings, SiloStorage storage, IConfiguration configuration)
    {
        if (settings.DashboardPort is { } dashboardPort)
        {
            var web = WebApplication.CreateSlimBuilder(
                new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory }
            );
            Configure(web, settings, storage, configuration);
            web.WebHost.ConfigureKestrel(k => k.ListenAnyIP(dashboardPort));
            var app = web.Build();
            app.MapOrleansDashboard("/dashboard");
            return app;
        }

        var builder = Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory }
        );
        Configure(builder, settings, storage, configuration);
        return builder.Build();
    }

    private static void Configure(
        IHostApplicationBuilder builder,
        SiloSettings settings,
        SiloStorage storage,
        IConfiguration configuration
    )
    {
        builder.Configuration.AddConfiguration(configuration);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
        ConfigureLogging(builder.Logging, settings);
        ConfigureMetrics(builder.Services, settings);
        builder.UseOrleans(silo =>
        {
            ConfigureClustering(silo, settings);

            // Orleans binds ClusterOptions from configuration after this callback; the settings must win.
            silo.Services.PostConfigure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.Services.PostConfigure<SiloOptions>(o => o.SiloName = settings.EffectiveName);

            // The cluster settings the store's healing times rely on: the distributed grain directory without its range
            // lease, and fast failure detection (see ReplicationClusterSettings for what each costs).
            // ORLEANS_REPLICATION_CLASSIC_DIRECTORY=1 keeps the classic directory; promotions are bound to the voting
            // activation either way.
            var clusterSettings = Environment.GetEnvironmentVariable("ORLEANS_REPLICATION_CLASSIC_DIRECTORY") == "1"
                ? ReplicationClusterSettings.FastFailureDetection
                : ReplicationClusterSettings.Recommended;
            silo.AddReplication(
                o =>
                {
                    o.DataDirectory = storage.DataDirectory;
                    o.Durability = storage.Durability;
                },
                clusterSettings
            );
            silo.AddWorkDistribution();
            silo.AddBaselineStore();
            if (settings.DashboardPort is not null)
            {
                silo.AddDashboard();
            }
        });
    }

    private static void ConfigureClustering(ISiloBuilder silo, SiloSettings settings)
    {
        if (!settings.IsRedis)
        {
            silo.UseLocalhostClustering(
                siloPort: settings.EffectiveSiloPort,
                gatewayPort: settings.EffectiveGatewayPort,
                primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, settings.SiloBasePort),
                serviceId: settings.ServiceId,
                clusterId: settings.ClusterId);
            return;
        }

        var redis = ConfigurationOptions.Parse(settings.Redis!);
        silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
        if (settings.AdvertisedIP is { } ip)
        {
            silo.ConfigureEndpoints(
                IPAddress.Parse(ip),
                settings.EffectiveSiloPort,
                settings.EffectiveGatewayPort,
                listenOnAnyHostAddress: true
            );
        }
        else
        {
            silo.ConfigureEndpoints(
                settings.EffectiveSiloPort,
                settings.EffectiveGatewayPort,
                listenOnAnyHostAddress: true
            );
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, SiloSettings settings)
    {
        logging.ClearProviders();
        if (settings.LogFormat == "json")
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
    }

    private static void ConfigureMetrics(IServiceCollection services, SiloSettings settings)
    {
        if (settings.PrometheusPort is null && settings.Otlp is null)
        {
            return;
        }

        services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter("Orleans.Replication", "Microsoft.Orleans");
            if (settings.PrometheusPort is { } port)
            {
                metrics.AddPrometheusHttpListener(o =>
                {
                    o.Host = settings.PrometheusHost;
                    o.Port = port;
                });
            }

            if (settings.Otlp is { } otlp)
            {
                metrics.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
            }
        });
    }
}
