using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Replication.Client;

namespace Orleans.Replication.Cli;

/// <summary>A started Orleans client with the replicated store registered.</summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    public IReplicatedStore Store => _host.Services.GetRequiredService<IReplicatedStore>();

    public IWorkPools Work => _host.Services.GetRequiredService<IWorkPools>();

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Connects to the gateways, failing after <paramref name="timeout"/>.</summary>
    public static Task<ClusterConnection> ConnectAsync(
        IReadOnlyList<IPEndPoint> gateways,
        TimeSpan timeout,
        bool verbose,
        CancellationToken cancellationToken
    ) => ConnectAsync(new ClusterTarget(gateways, null, "default", "default"), timeout, verbose, cancellationToken);

    /// <summary>
    /// Connects to the cluster <paramref name="target"/> names, failing after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<ClusterConnection> ConnectAsync(
        ClusterTarget target,
        TimeSpan timeout,
        bool verbose,
        CancellationToken cancellationToken
    )
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        _ = ClientOptions(builder.Configuration);
        builder.Logging.ClearProviders();

        // Ctrl-C belongs to the command (it ends watch and bench cleanly), not to this host: the default console
        // lifetime would swallow it and stop the Orleans client under a command that goes on running.
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        if (verbose)
        {
            builder.Logging.AddConsole();
        }

        builder.UseOrleansClient(client =>
        {
            if (target.Redis is { } redis)
            {
                var configuration = StackExchange.Redis.ConfigurationOptions.Parse(redis);
                configuration.ConnectTimeout = (int)Math.Clamp(timeout.TotalMilliseconds, 100, int.MaxValue);
                client.UseRedisClustering(o => o.ConfigurationOptions = configuration);
            }
            else
            {
                client.UseStaticClustering(target.Gateways.ToArray());
            }

            // Orleans binds ClusterOptions from configuration after this callback; the command line must win.
            client.Services.PostConfigure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = target.ClusterId;
                o.ServiceId = target.ServiceId;
            });
        });
        // The library binds section ReplicationClient (checked above, unknown settings included); the timeout then
        // wins.
        builder.Services.AddReplicatedStore(o =>
        {
            o.DefaultReadTimeout = timeout;
            o.DefaultWriteTimeout = timeout;
        });
        builder.Services.AddWorkDistribution();
        var host = builder.Build();
        using var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectDeadline.CancelAfter(timeout);
        try
        {
            await host.StartAsync(connectDeadline.Token);
        }
        catch (Exception e)
            when (e
                    is OperationCanceledException
                        or OrleansException
                        or System.Net.Sockets.SocketException
                        or StackExchange.Redis.RedisException
            )
        {
            host.Dispose();
            throw new ReplicationException(
                $"Could not connect to {target} within {timeout.TotalSeconds:0.#} s: is a silo running? ({e.Message})",
                e
            );
        }

        return new ClusterConnection(host);
    }

    /// <summary>
    /// The configuration section of the client library's settings (<see cref="ReplicationClientOptions"/>).
    /// </summary>
    internal const string ClientSection = ReplicationClientServiceCollectionExtensions.ConfigurationSection;

    /// <summary>Prefix of environment variables read besides unprefixed ones, as the silo reads them.</summary>
    internal const string EnvironmentPrefix = "ORLEANS_REPLICATION_";

    /// <summary>
    /// The client library's settings from section <see cref="ClientSection"/> of <paramref name="configuration"/>
    /// (appsettings.json, or environment variables such as <c>ReplicationClient__ReplicaAnswers=false</c>); the command
    /// line's <c>--timeout</c> then sets the default deadlines. Throws <see cref="ArgumentException"/> naming an
    /// unknown setting or a bad value.
    /// </summary>
    internal static ReplicationClientOptions ClientOptions(IConfiguration configuration)
    {
        var options = new ReplicationClientOptions();
        try
        {
            configuration.GetSection(ClientSection).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
            options.Validate();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new ArgumentException($"invalid configuration in section {ClientSection}: {e.Message}", e);
        }

        return options;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Leaving anyway.
        }

        _host.Dispose();
    }

    /// <summary>A host lifetime that leaves process signals to the command line.</summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
