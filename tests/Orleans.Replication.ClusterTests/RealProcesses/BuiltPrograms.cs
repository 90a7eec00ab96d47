using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>The repository's built programs, run as real processes by the tests.</summary>
internal static class BuiltPrograms
{
    /// <summary>
    /// Starts an Orleans client in the test process with the replicated store, connected by
    /// <paramref name="clustering"/>, within 60 s; with <paramref name="logPath"/> its warnings (and the store's
    /// information) are written there.
    /// </summary>
    public static async Task<IHost> StartClientAsync(Action<IClientBuilder> clustering, string? logPath = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (logPath is not null)
        {
            builder.Logging.AddProvider(new FileLoggerProvider(logPath));
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter("Orleans.Replication", LogLevel.Information);
        }

        builder.UseOrleansClient(clustering);
        builder.Services.AddReplicatedStore();
        var client = builder.Build();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await client.StartAsync(deadline.Token);
        return client;
    }

    /// <summary>Stops a client from <see cref="StartClientAsync"/>, giving it 5 s, and disposes it.</summary>
    public static async Task StopClientAsync(IHost client)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await client.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Leaving anyway.
        }

        client.Dispose();
    }

    /// <summary>The host executable's path.</summary>
    public static string Silo => Path("Silo", "Orleans.Replication.Silo.dll");

    /// <summary>The command-line client's path.</summary>
    public static string Client => Path("Client", "Orleans.Replication.Cli.dll");

    /// <summary>
    /// <paramref name="dll"/> of <paramref name="project"/>, built in the tests' own configuration:
    /// tests/Orleans.Replication.ClusterTests/bin/&lt;Configuration&gt;/net10.0/ →
    /// &lt;project&gt;/bin/&lt;Configuration&gt;/net10.0/.
    /// </summary>
    public static string Path(string project, string dll)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(System.IO.Path.Combine(root.FullName, "Orleans.Replication.sln")))
        {
            root = root.Parent;
        }

        var path = System.IO.Path.Combine(
            root?.FullName ?? throw new InvalidOperationException("Repository root not found."),
            project,
            "bin",
            configuration,
            "net10.0",
            dll
        );
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the {project} project first.", path);
    }

    /// <summary>
    /// Waits until something accepts connections on loopback <paramref name="port"/>, failing if
    /// <paramref name="process"/> exits first.
    /// </summary>
    public static async Task WaitForPortAsync(int port, Process process, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"The process exited with code {process.ExitCode} before listening on {port}."
                );
            }

            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"Nothing listened on port {port} within {timeout}.");
    }
}
