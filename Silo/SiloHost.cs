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
using Orleans.Hosting;
using StackExchange.Redis;

namespace Orleans.Replication.Silo;

/// <summary>Builds the silo's host from its settings: clustering, endpoints, logs, metrics and the dashboard.</summary>
internal static class SiloHost
{
    /// <summary>Prefix of the environment variables read besides the unprefixed ones (which .NET reads by default).</summary>
    public const string EnvironmentPrefix = "ORLEANS_REPLICATION_";

    /// <summary>Configuration in rising precedence: appsettings.json beside the executable, environment, prefixed environment, command line.</summary>
    public static IConfigurationRoot LoadConfiguration(IReadOnlyDictionary<string, string?> commandLine) =>
        new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddInMemoryCollection(commandLine)
            .Build();

    /// <summary>The host; with a dashboard port, an ASP.NET Core host that serves the dashboard too.</summary>
    public static IHost Build(SiloSettings settings, IConfiguration configuration)
    {
        if (settings.DashboardPort is { } dashboardPort)
        {
            var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
            Configure(web, settings, configuration);
            web.WebHost.ConfigureKestrel(k => k.ListenAnyIP(dashboardPort));
            var app = web.Build();
            app.MapOrleansDashboard("/dashboard");
            return app;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        Configure(builder, settings, configuration);
        return builder.Build();
    }

    private static void Configure(IHostApplicationBuilder builder, SiloSettings settings, IConfiguration configuration)
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
            silo.AddReplication();
            if (settings.DashboardPort is not null)
            {
                silo.AddDashboard();
            }

            // The classic grain directory loses the entries a crashed silo held; a call then activates a second copy
            // of a live node, empty, beside the one that holds the data (seen in the crash test). The distributed
            // directory keeps one activation per node, at the price of being marked experimental in Orleans 10.4.2.
            // ORLEANS_REPLICATION_CLASSIC_DIRECTORY=1 turns it off; promotions are bound to the voting activation either way.
            if (Environment.GetEnvironmentVariable("ORLEANS_REPLICATION_CLASSIC_DIRECTORY") != "1")
            {
#pragma warning disable ORLEANSEXP003
                silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003

                // By default the directory refuses new activations of a dead silo's grains (and of ring ranges it
                // could not hand over) for a lease of about 22 s, so a lost node could not be re-created for that
                // long and a second fault found the group short. The lease guards against a silo declared dead
                // that still runs; node grains are fenced by epochs and incarnations against exactly that, so the
                // lease is off and a lost node is re-created as soon as its silo is declared dead.
                silo.Configure<GrainDirectoryOptions>(o => o.RangeLeaseDuration = TimeSpan.Zero);
            }

            // Fast failure detection: a crashed silo is declared dead in about 1–2 s instead of 10–15 s. The cost is
            // that a silo stalled for over ~2 s (a long GC pause, an overloaded machine) may be declared dead too;
            // fencing makes that safe, and it only costs a needless failover.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;

                // A frozen process keeps its connections open; with this check on, recent traffic on them
                // suppressed the votes against it and it was declared dead only about 8 s into a pause.
                o.EnableConnectionLivenessCheck = false;

                // After its first missed probe a silo asks another silo to probe the suspect; when that one is dead
                // too (two of three processes lost), the relayed probe fails as "unknown", counts as no miss, and the
                // survivor never declares either dead: calls went on to the dead silos, and a recovery never arrived.
                // With one vote enough to declare a death, the relay adds nothing but that failure.
                o.EnableIndirectProbes = false;

                // A silo declared dead while frozen serves on after it resumes until it reads the table and stops
                // itself: about 4 s after the resume with the default of 60 s, up to 17 s seen. Read every 2 s (one
                // read of the membership store per silo), an overdue refresh fires as the process resumes.
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
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
            silo.ConfigureEndpoints(IPAddress.Parse(ip), settings.EffectiveSiloPort, settings.EffectiveGatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            silo.ConfigureEndpoints(settings.EffectiveSiloPort, settings.EffectiveGatewayPort, listenOnAnyHostAddress: true);
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
