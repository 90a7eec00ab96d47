using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Replication.Client;
using Xunit;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>
/// A test-owned deployment on Redis clustering: a redis-server on a free loopback port, in a temporary directory, and
/// silo processes.
/// </summary>
/// <remarks>
/// Everything it starts it kills on dispose; the temporary directory goes too, after its logs are copied beside the
/// test binaries when a name was given. Every wait has a deadline. Silo <c>i</c> keeps its ports across restarts,
/// as a silo restarted by its supervisor would. With <see cref="Supervise"/> on, a silo process that ends by itself (a
/// silo told by the cluster that it was declared dead stops itself) is started again as a supervisor (systemd,
/// Kubernetes) would; the ones the test kills are left to the test. Silos keep their nodes in memory only unless
/// the deployment was given a data root (see <see cref="SiloProcesses.StorageArguments"/>).
/// </remarks>
internal sealed class RedisDeployment : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly Dictionary<Process, TaskCompletionSource> _started = [];
    private readonly Dictionary<int, (int SiloPort, int GatewayPort)> _siloPorts = [];
    private readonly Dictionary<int, Process> _silos = [];
    private readonly HashSet<int> _killed = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _supervision = new();
    private readonly Lock _gate = new();
    private bool _disposing;
    private readonly string _dir = Directory.CreateTempSubdirectory("orleans-replication-redis-").FullName;
    private readonly string? _keepLogsAs;
    private readonly string? _dataRoot;
    private IHost? _client;

    private RedisDeployment(int redisPort, string? keepLogsAs, string? dataRoot) =>
        (RedisPort, _keepLogsAs, _dataRoot) = (redisPort, keepLogsAs, dataRoot);

    /// <summary>The redis-server executable on the PATH, or null when it is not installed.</summary>
    public static string? RedisServer { get; } = FindOnPath("redis-server");

    public int RedisPort { get; }

    public string Redis => $"127.0.0.1:{RedisPort}";

    /// <summary>A cluster id of this deployment only, so that runs never see each other's silos.</summary>
    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Whether a silo process that ends by itself is started again on its ports.</summary>
    public bool Supervise { get; set; }

    /// <summary>What supervision did: one line per silo started again (or that could not be).</summary>
    public IReadOnlyCollection<string> Supervision => _supervision;

    /// <summary>Arguments every silo started from now on gets besides its own (e.g. <c>--durability</c>).</summary>
    public string[] SiloArguments { get; set; } = [];

    /// <summary>The data directory of silo <paramref name="i"/>; null when the silos keep nodes in memory.</summary>
    public string? DataDirectory(int i) => SiloProcesses.DataDirectory(_dataRoot, i);

    /// <summary>The client started by <see cref="ConnectAsync"/>.</summary>
    public IReplicatedStore Store =>
        _client?.Services.GetRequiredService<IReplicatedStore>()
        ?? throw new InvalidOperationException("Not connected.");

    /// <summary>
    /// Starts redis-server; with <paramref name="keepLogsAs"/>, the logs are kept beside the test binaries as
    /// <c>{keepLogsAs}-silo-i.log</c>; with <paramref name="dataRoot"/>, silo <c>i</c> keeps its data in
    /// <c>dataRoot/silo-i</c> (which the caller removes), otherwise in memory only.
    /// </summary>
    public static async Task<RedisDeployment> StartAsync(string? keepLogsAs = null, string? dataRoot = null)
    {
        var port = FreePort();
        var deployment = new RedisDeployment(port, keepLogsAs, dataRoot);
        try
        {
            deployment.Start(
                RedisServer!,
                "redis",
                "--port",
                port.ToString(CultureInfo.InvariantCulture),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                deployment._dir
            );
            await BuiltPrograms.WaitForPortAsync(port, deployment._processes[^1], TimeSpan.FromSeconds(20));
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts silo <paramref name="i"/> with Redis clustering, on free ports the first time and on the same ports when
    /// it is started again; returns its gateway port once the silo reports that it started.
    /// </summary>
    public async Task<int> StartSiloAsync(int i)
    {
        (int SiloPort, int GatewayPort) ports;
        lock (_gate)
        {
            if (!_siloPorts.TryGetValue(i, out ports))
            {
                // A restarted silo takes these ports again: they come from below the ephemeral range, where no
                // outgoing connection of any process can hold them meanwhile.
                ports = (StablePort(), StablePort());

                _siloPorts[i] = ports;
            }
        }

        var (siloPort, gatewayPort) = ports;

        var process = Start(
            "dotnet",
            $"silo-{i}",
            [
                BuiltPrograms.Silo,
                "--clustering",
                "redis",
                "--redis",
                Redis,
                "--cluster-id",
                ClusterId,
                "--advertise",
                "127.0.0.1",
                "--silo-port",
                siloPort.ToString(CultureInfo.InvariantCulture),
                "--gateway-port",
                gatewayPort.ToString(CultureInfo.InvariantCulture),
                .. SiloProcesses.StorageArguments(_dataRoot, i),
                .. SiloArguments,
            ]
        );
        Task started;
        lock (_gate)
        {
            _silos[i] = process;
            _killed.Remove(i);
            started = _started[process].Task;
        }

        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => OnSiloExited(i, process);
        await BuiltPrograms.WaitForPortAsync(gatewayPort, process, TimeSpan.FromSeconds(45));

        // The gateway listens before the silo is active in the membership table, and clients only use active gateways.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        try
        {
            await started.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Silo {i} did not report that it started within 45 s.");
        }

        return gatewayPort;
    }

    /// <summary>
    /// Starts an Orleans client in this process on the deployment's Redis membership table, with the replicated store.
    /// </summary>
    public async Task ConnectAsync()
    {
        var redis = StackExchange.Redis.ConfigurationOptions.Parse(Redis);
        _client = await BuiltPrograms.StartClientAsync(c =>
        {
            c.UseRedisClustering(o => o.ConfigurationOptions = redis);
            c.Services.PostConfigure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = "default";
            });
        }, Path.Combine(_dir, "client.log"));
    }

    /// <summary>
    /// The silo whose address is <paramref name="silo"/> (as node status reports it, "S127.0.0.1:PORT:GENERATION").
    /// </summary>
    public int InstanceOf(string silo)
    {
        var port = int.Parse(silo.TrimStart('S').Split(':')[1], CultureInfo.InvariantCulture);
        lock (_gate)
        {
            return _siloPorts.Single(p => p.Value.SiloPort == port).Key;
        }
    }

    /// <summary>
    /// The membership table as Redis holds it, one line per entry (for failure messages: it reads Redis, not the
    /// silos).
    /// </summary>
    public async Task<string> MembershipTableAsync()
    {
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Redis);
        var lines = new List<string>();
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: $"*{ClusterId}*"))
        {
            if (await redis.GetDatabase().KeyTypeAsync(key) == StackExchange.Redis.RedisType.Hash)
            {
                foreach (var entry in await redis.GetDatabase().HashGetAllAsync(key))
                {
                    var value = entry.Value.ToString();
                    lines.Add($"{entry.Name}: {(value.Length > 400 ? value[..400] + "…" : value)}");
                }
            }
        }

        return string.Join("\n", lines);
    }

    /// <summary>
    /// kill -9 of silo <paramref name="i"/>'s process; supervision leaves it dead until the test starts it.
    /// </summary>
    public void KillSilo(int i)
    {
        Process process;
        lock (_gate)
        {
            _killed.Add(i);
            process = _silos[i];
        }

        process.Kill();
        process.WaitForExit(10_000);
    }

    /// <summary>SIGSTOP: silo <paramref name="i"/>'s process freezes with its connections open.</summary>
    public void PauseSilo(int i) => SiloProcesses.SendSignal(Silo(i).Id, SiloProcesses.SigStop);

    /// <summary>SIGCONT: the end of <see cref="PauseSilo"/>.</summary>
    public void ResumeSilo(int i) => SiloProcesses.SendSignal(Silo(i).Id, SiloProcesses.SigCont);

    /// <summary>Whether silo <paramref name="i"/>'s process has ended (killed, or stopped itself).</summary>
    public bool SiloExited(int i) => Silo(i).HasExited;

    private Process Silo(int i)
    {
        lock (_gate)
        {
            return _silos[i];
        }
    }

    private void OnSiloExited(int i, Process process)
    {
        lock (_gate)
        {
            if (!Supervise || _disposing || _killed.Contains(i) || _silos[i] != process)
            {
                return;
            }
        }

        _ = RestartAsync();

        async Task RestartAsync()
        {
            var at = DateTime.UtcNow;
            try
            {
                await StartSiloAsync(i);
                _supervision.Enqueue(
                    $"silo {i} ended by itself at {at:HH:mm:ss.fff} and was started again by " +
                    $"{DateTime.UtcNow:HH:mm:ss.fff}"
                );
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
            {
                _supervision.Enqueue(
                    $"silo {i} ended by itself at {at:HH:mm:ss.fff} and could not be started again: {e.Message}"
                );
            }
        }
    }

    /// <summary>
    /// Runs the command-line client against this deployment; its exit code and output, within
    /// <paramref name="timeout"/>.
    /// </summary>
    public Task<(int Code, string Output, string Error)> CliAsync(TimeSpan timeout, params string[] args) =>
        RunAsync(
            timeout,
            [
                BuiltPrograms.Client,
                "--clustering",
                "redis",
                "--redis",
                Redis,
                "--cluster-id",
                ClusterId,
                "--timeout",
                "20",
                .. args,
            ]
        );

    /// <summary>
    /// Runs the silo executable to its end (for configurations it must refuse); its exit code and output. It runs in
    /// a new temporary working directory, removed afterwards, so that its default data directory is its own.
    /// </summary>
    public static Task<(int Code, string Output, string Error)> RunSiloAsync(TimeSpan timeout, params string[] args) =>
        RunSiloAsync(timeout, new Dictionary<string, string>(), args);

    /// <summary>Runs the silo executable to its end with extra environment variables.</summary>
    public static async Task<(int Code, string Output, string Error)> RunSiloAsync(
        TimeSpan timeout,
        IReadOnlyDictionary<string, string> environment,
        params string[] args
    )
    {
        var workingDirectory = Directory.CreateTempSubdirectory("orleans-replication-silo-").FullName;
        try
        {
            return await RunAsync(timeout, [BuiltPrograms.Silo, .. args], environment, workingDirectory);
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    public string TempFile(string name) => Path.Combine(_dir, name);

    public string Logs() =>
        string.Join("\n", Directory.GetFiles(_dir, "*.log").Select(f => $"--- {Path.GetFileName(f)}\n{Tail(f)}"));

    public async ValueTask DisposeAsync()
    {
        List<Process> processes;
        lock (_gate)
        {
            _disposing = true;
            processes = [.. _processes];
        }

        if (_client is not null)
        {
            await BuiltPrograms.StopClientAsync(_client);
        }

        foreach (var p in processes)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true); // SIGKILL ends a stopped (SIGSTOP) process too
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await p.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    // Gone as far as we can tell; the directory is removed anyway.
                }
            }

            p.Dispose();
        }

        if (_keepLogsAs is not null)
        {
            foreach (var log in Directory.GetFiles(_dir, "*.log"))
            {
                File.Copy(
                    log,
                    Path.Combine(AppContext.BaseDirectory, $"{_keepLogsAs}-{Path.GetFileName(log)}"),
                    overwrite: true
                );
            }
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A log still held open by a dying process: left to the system's temporary-file cleanup.
        }
    }

    private Process Start(string file, string name, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Orleans.Replication"] = "Information";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _processes.Add(process);
            _started[process] = started;
        }

        var log = new StreamWriter(Path.Combine(_dir, name + ".log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(e.Data);
                }

                if (e.Data.Contains("Silo started:", StringComparison.Ordinal))
                {
                    started.TrySetResult();
                }
            }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(
        TimeSpan timeout,
        string[] args,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null
    )
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', args.Skip(1))}' did not finish within {timeout}.");
        }

        return (process.ExitCode, await output, await error);
    }

    private static int _nextStablePort = 30000 + Random.Shared.Next(0, 2000);

    /// <summary>
    /// A loopback port nothing listens on now, from 30000–32767: below Linux's ephemeral range (32768 and up), so it
    /// stays free for a process that is started again on it; each one is handed out once per test run. (The real
    /// process helpers of <see cref="SiloProcesses"/> take theirs from 20000–29999.)
    /// </summary>
    public static int StablePort()
    {
        for (var tries = 0; tries < 2768; tries++)
        {
            var port = 30000 + (Interlocked.Increment(ref _nextStablePort) - 30000) % 2768;
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }

        throw new InvalidOperationException("No free loopback port in 30000–32767.");
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);

    private static string Tail(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var lines = reader.ReadToEnd().Split('\n');
        return string.Join("\n", lines.TakeLast(15));
    }
}

/// <summary>A fact that needs redis-server; skipped, with the reason, only when it is not installed.</summary>
internal sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisDeployment.RedisServer is null)
        {
            Skip = "redis-server is not installed (.ci/run installs it with apt-get install -y redis-server).";
        }
    }
}
