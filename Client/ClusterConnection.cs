using System.Net;
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
    public static async Task<ClusterConnection> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, TimeSpan timeout, bool verbose, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (verbose)
        {
            builder.Logging.AddConsole();
        }

        builder.UseOrleansClient(client => client.UseStaticClustering(gateways.ToArray()));
        builder.Services.AddReplicatedStore(o =>
        {
            o.DefaultReadTimeout = timeout;
            o.DefaultWriteTimeout = timeout;
        });
        var host = builder.Build();
        using var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectDeadline.CancelAfter(timeout);
        try
        {
            await host.StartAsync(connectDeadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or System.Net.Sockets.SocketException)
        {
            host.Dispose();
            throw new ReplicationException(
                $"Could not connect to the cluster at {string.Join(", ", gateways)} within {timeout.TotalSeconds:0.#} s: is a silo running? ({e.Message})", e);
        }

        return new ClusterConnection(host);
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
}
