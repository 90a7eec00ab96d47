using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Orleans.Replication.Cli;
using Orleans.Replication.Testing.Bench;

namespace Orleans.Replication.Tests;

/// <summary>
/// The <c>bench-etcd</c> verb without etcd: its options, its refusals, an unreachable cluster; and the load generator's
/// closed loop it runs. One test runs a put load against a single etcd member when <c>etcd</c> is on the PATH.
/// </summary>
public sealed class BenchEtcdCommandTests
{
    [Theory]
    [InlineData("--clients", "0")]
    [InlineData("--clients", "-3")]
    [InlineData("--clients", "many")]
    [InlineData("--value-size", "-1")]
    [InlineData("--keys", "0")]
    [InlineData("--duration", "0s")]
    [InlineData("--duration", "10x")]
    [InlineData("--warmup", "2h")]
    [InlineData("--endpoints", "")]
    [InlineData("--endpoints", ",")]
    [InlineData("--endpoints", "127.0.0.1:2379")]
    [InlineData("--endpoints", "ftp://127.0.0.1:2379")]
    [InlineData("--endpoints", "http://127.0.0.1:2379,not a url")]
    [InlineData("--endpoints", "http://127.0.0.1:2379/v3/kv")]
    public async Task BadValuesExitWithCode2AndOneErrorLineBeforeConnecting(params string[] args)
    {
        var watch = Stopwatch.StartNew();
        var (code, output, error) = await CliTests.RunAsync(["bench-etcd", .. args]);

        Assert.True(code == ExitCodes.Usage, $"exit code {code} for '{string.Join(' ', args)}'; stderr: {error}");
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.Equal("", output);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}: it must not wait for etcd");
    }

    [Theory]
    [InlineData(null, BenchEtcdCommand.DefaultEndpoints)]
    [InlineData("http://127.0.0.1:2379", "http://127.0.0.1:2379")]
    [InlineData(" http://a:1 , https://b:2/ ,", "http://a:1,https://b:2/")]
    public void EndpointsAreCommaSeparatedUrls(string? text, string expected) =>
        Assert.Equal(expected, BenchEtcdCommand.ParseEndpoints(text ?? BenchEtcdCommand.DefaultEndpoints));

    [Fact]
    public async Task HelpShowsTheDefaults()
    {
        var (code, output, _) = await CliTests.RunAsync(["bench-etcd", "--help"]);

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var option in new[] { "--endpoints", "--clients", "--value-size", "--keys", "--duration", "--warmup" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }

        Assert.Contains(BenchEtcdCommand.DefaultEndpoints, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableClusterFailsWithOneErrorLineAndNoResults()
    {
        var (code, output, error) = await CliTests.RunAsync([
            "--timeout",
            "1s",
            "bench-etcd",
            "--endpoints",
            $"http://127.0.0.1:{FreePort()}",
            "--duration",
            "1s",
        ]);

        Assert.True(code == ExitCodes.Failed, $"exit code {code}; stderr: {error}");
        Assert.Equal("", output);
        Assert.StartsWith("error: etcd at http://127.0.0.1:", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task TheLoopCountsEachOutcomeAndRecordsTheLatencyOfSuccessesOnly()
    {
        var callers = new HashSet<int>();
        var options = new BenchOptions { Clients = 4, Operations = 300, Warmup = TimeSpan.Zero };
        var report = await BenchLoop.RunAsync(
            options,
            "test",
            (caller, _) =>
            {
                lock (callers)
                {
                    callers.Add(caller);
                }

                var n = 0;
                return async _ =>
                {
                    await Task.Yield();
                    return (n++ % 3) switch
                    {
                        0 => BenchLoop.Outcome.Ok,
                        1 => BenchLoop.Outcome.Error,
                        _ => BenchLoop.Outcome.Unknown,
                    };
                };
            });

        Assert.Equal([0, 1, 2, 3], callers.Order());
        Assert.Equal(300, report.Operations + report.Errors + report.Unknown);
        Assert.InRange(report.Operations, 100, 103);
        Assert.InRange(report.Errors, 97, 100);
        Assert.Equal("test", report.Label);
        Assert.True(report.P50Ms >= 0 && report.P50Ms <= report.P99Ms && report.P99Ms <= report.MaxMs);
    }

    [EtcdFact]
    public async Task PutsAgainstOneEtcdMemberAllSucceed()
    {
        var dir = Directory.CreateTempSubdirectory("bench-etcd-").FullName;
        var client = $"http://127.0.0.1:{FreePort()}";
        var peer = $"http://127.0.0.1:{FreePort()}";
        using var etcd = Process.Start(
            new ProcessStartInfo("etcd")
            {
                ArgumentList =
                {
                    "--name", "one", "--data-dir", Path.Combine(dir, "data"),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", $"one={peer}", "--initial-cluster-state", "new",
                },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        etcd.OutputDataReceived += (_, _) => { };
        etcd.ErrorDataReceived += (_, _) => { };
        etcd.BeginOutputReadLine();
        etcd.BeginErrorReadLine();
        try
        {
            await WaitHealthyAsync(client, TimeSpan.FromSeconds(20));
            var (code, output, error) = await CliTests.RunAsync([
                "bench-etcd", "--endpoints", client, "--clients", "4", "--duration", "1s", "--warmup", "0", "--json",
            ]);

            Assert.True(code == ExitCodes.Ok, $"exit code {code}; stderr: {error}");
            using var summary = JsonDocument.Parse(output);
            Assert.True(summary.RootElement.GetProperty("ops").GetInt64() > 0, output);
            Assert.Equal(0, summary.RootElement.GetProperty("errors").GetInt64());
            Assert.Equal(0, summary.RootElement.GetProperty("unknown").GetInt64());
        }
        finally
        {
            etcd.Kill(entireProcessTree: true);
            await etcd.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task WaitHealthyAsync(string endpoint, TimeSpan within)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var body = await http.GetStringAsync(endpoint + "/health");
                if (body.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            Assert.True(deadline.Elapsed < within, $"etcd at {endpoint} not healthy within {within}");
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A test that needs <c>etcd</c> on the PATH, skipped when it is not there.</summary>
    private sealed class EtcdFactAttribute : FactAttribute
    {
        public EtcdFactAttribute()
        {
            var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(d => File.Exists(Path.Combine(d, "etcd")));
            if (!onPath)
            {
                Skip = "etcd is not on the PATH (Client/scripts/etcd-cluster.sh installs it)";
            }
        }
    }
}
