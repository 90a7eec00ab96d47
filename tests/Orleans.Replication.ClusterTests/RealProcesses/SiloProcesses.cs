using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Replication.Client;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>
/// Silo processes of the real host executable on loopback, that a test can kill -9, pause and resume.
/// </summary>
/// <remarks>
/// Localhost clustering keeps the membership table in instance 0, so tests never kill instance 0 (they move a
/// primary away from it first). Each process writes its output to a log file beside the test binaries. Silos keep
/// their nodes in memory only (<c>--in-memory</c>) unless a data root is given: then instance <c>i</c> is silo
/// <c>silo-i</c> with the data directory <c>DATAROOT/silo-i</c>, and finds its data again when it is started again.
/// </remarks>
internal sealed class SiloProcesses : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    internal const int SigCont = 18;
    internal const int SigStop = 19;
    private readonly Process?[] _processes;
    private readonly int _siloBase;
    private readonly int _gatewayBase;
    private readonly string _logPrefix;
    private readonly string? _dataRoot;
    private IHost? _client;

    private SiloProcesses(int count, int siloBase, int gatewayBase, string logPrefix, string? dataRoot)
    {
        _processes = new Process?[count];
        _siloBase = siloBase;
        _gatewayBase = gatewayBase;
        _logPrefix = logPrefix;
        _dataRoot = dataRoot;
    }

    public IReplicatedStore Store => _client!.Services.GetRequiredService<IReplicatedStore>();

    public IGrainFactory Grains => _client!.Services.GetRequiredService<IGrainFactory>();

    public int Count => _processes.Length;

    /// <summary>
    /// Starts <paramref name="count"/> silos and a client; with <paramref name="dataRoot"/> each silo keeps its data
    /// in a directory under it (which the caller removes), otherwise in memory only.
    /// </summary>
    public static async Task<SiloProcesses> StartAsync(int count, string name, string? dataRoot = null)
    {
        // Below Linux's ephemeral range (32768 and up): a restarted silo takes its old ports again, and an outgoing
        // connection of any process on the machine may meanwhile hold a port in that range.
        var siloBase = 20000 + Random.Shared.Next(0, 250) * 20;
        var silos = new SiloProcesses(
            count,
            siloBase,
            siloBase + 5000,
            Path.Combine(AppContext.BaseDirectory, $"silo-{name}"),
            dataRoot
        );
        try
        {
            for (var i = 0; i < count; i++)
            {
                await silos.StartInstanceAsync(i);
            }

            await silos.ConnectAsync();
            return silos;
        }
        catch
        {
            await silos.DisposeAsync();
            throw;
        }
    }

    /// <summary>The data directory of instance <paramref name="i"/>; null when silos keep nodes in memory.</summary>
    public string? DataDirectory(int i) => DataDirectory(_dataRoot, i);

    /// <summary><c>DATAROOT/silo-i</c>, or null without a data root.</summary>
    internal static string? DataDirectory(string? dataRoot, int i) =>
        dataRoot is null
            ? null
            : Path.Combine(dataRoot, "silo-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The storage arguments of silo <paramref name="i"/>: <c>--in-memory</c>, or its data directory (created) and a
    /// name that stays the same across its restarts.
    /// </summary>
    internal static string[] StorageArguments(string? dataRoot, int i)
    {
        if (DataDirectory(dataRoot, i) is not { } directory)
        {
            return ["--in-memory"];
        }

        Directory.CreateDirectory(directory);
        return ["--data-dir", directory, "--name", Path.GetFileName(directory)];
    }

    /// <summary>Starts instance <paramref name="i"/> (again) and waits until its gateway accepts connections.</summary>
    public async Task StartInstanceAsync(int i)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                BuiltPrograms.Silo,
                "--instance",
                i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--silo-base-port",
                _siloBase.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--gateway-base-port",
                _gatewayBase.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in StorageArguments(_dataRoot, i))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Orleans.Replication"] = "Information";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the silo process.");
        var log = new StreamWriter(LogPath(i), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[i] = process;
        await BuiltPrograms.WaitForPortAsync(_gatewayBase + i, process, TimeSpan.FromSeconds(60));
    }

    /// <summary>The instance whose silo has the address <paramref name="silo"/> (as node status reports it).</summary>
    public int InstanceOf(string silo)
    {
        // "S127.0.0.1:PORT:GENERATION"
        var parts = silo.TrimStart('S').Split(':');
        return int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) - _siloBase;
    }

    public void Kill(int i)
    {
        var p = _processes[i]!;
        _ = SendSignal(p.Id, SigKill);
        p.WaitForExit(10_000);
        _processes[i] = null;
    }

    /// <summary>
    /// Stops instance <paramref name="i"/> gracefully (SIGTERM) and returns its exit code, waiting up to
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<int> TerminateAsync(int i, TimeSpan timeout)
    {
        var p = _processes[i]!;
        _ = SendSignal(p.Id, SigTerm);
        using var deadline = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(deadline.Token);
        _processes[i] = null;
        return p.ExitCode;
    }

    /// <summary>The file that holds instance <paramref name="i"/>'s output.</summary>
    public string LogPath(int i) => $"{_logPrefix}-{i}.log";

    public void Pause(int i) => SendSignal(_processes[i]!.Id, SigStop);

    public void Resume(int i) => SendSignal(_processes[i]!.Id, SigCont);

    private async Task ConnectAsync()
    {
        // Through instance 0's gateway only: it is never killed or paused. An Orleans client with a static gateway
        // list keeps sending through a paused silo's gateway (its connections stay open), and it routes every call
        // to one grain through the same gateway: a paused gateway would hang the calls to a healthy new primary.
        var gateways = new[] { new IPEndPoint(IPAddress.Loopback, _gatewayBase) };
        _client = await BuiltPrograms.StartClientAsync(c => c.UseStaticClustering(gateways));
    }

    /// <summary>
    /// Sends a signal with the system's kill command: -9 is a crash, -STOP a pause, -CONT the end of it.
    /// </summary>
    internal static int SendSignal(int pid, int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill.");
        kill.WaitForExit(5_000);
        return kill.ExitCode == 0
            ? 0
            : throw new InvalidOperationException($"kill -{signal} {pid} exited with {kill.ExitCode}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await BuiltPrograms.StopClientAsync(_client);
        }

        foreach (var p in _processes)
        {
            if (p is { HasExited: false })
            {
                try
                {
                    SendSignal(p.Id, SigCont);
                }
                catch (InvalidOperationException)
                {
                    // It may have just exited.
                }

                p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }

            p?.Dispose();
        }
    }
}
