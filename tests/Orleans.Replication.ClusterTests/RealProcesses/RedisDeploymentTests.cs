using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>
/// The deployment an operator runs: silo processes on Redis clustering against a real redis-server, driven by the
/// command-line client as a process; and silo configurations that must be refused with one clear line.
/// </summary>
[Collection("real-processes")]
public sealed class RedisDeploymentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(45);

    [RedisFact]
    public async Task SilosOnRedisClusteringServePutGetCasStatusBenchAndCheckThroughTheCli()
    {
        await using var deployment = await RedisDeployment.StartAsync();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 2).Select(deployment.StartSiloAsync));

            // Right after the silos join, they may not all know each other yet and the group's creation is refused as
            // "retry later": an operator retries, and so does the test, within a deadline.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var put = await deployment.CliAsync(CliTimeout, "put", "greeting", "hello");
            while (
                put.Code != 0
                && put.Error.Contains("retry", StringComparison.OrdinalIgnoreCase)
                && watch.Elapsed < TimeSpan.FromSeconds(40)
            )
            {
                output.WriteLine($"put after {watch.Elapsed.TotalSeconds:0.0} s: {put.Error.Trim()}");
                put = await deployment.CliAsync(CliTimeout, "put", "greeting", "hello");
            }

            Assert.True(put.Code == 0, $"put: {put.Code} {put.Error}");
            Assert.StartsWith("OK version=", put.Output, StringComparison.Ordinal);

            var get = await deployment.CliAsync(CliTimeout, "get", "greeting");
            Assert.True(get.Code == 0, $"get: {get.Code} {get.Error}");
            Assert.Equal("hello", get.Output.Trim());

            var missing = await deployment.CliAsync(CliTimeout, "get", "no-such-key");
            Assert.Equal(3, missing.Code);

            // A read through the token the write printed sees the write, whichever node serves it.
            var token = put.Output.Trim().Split(' ').Single(f => f.StartsWith("session=", StringComparison.Ordinal))[
                "session=".Length..
            ];
            var sessionGet = await deployment.CliAsync(CliTimeout, "get", "greeting", "--session", token);
            Assert.True(sessionGet.Code == 0, $"get --session {token}: {sessionGet.Code} {sessionGet.Error}");
            Assert.Equal("hello", sessionGet.Output.Trim());

            var version = put.Output.Split(' ')[1]["version=".Length..];
            var cas = await deployment.CliAsync(CliTimeout, "cas", "greeting", version, "world");
            Assert.True(cas.Code == 0, $"cas: {cas.Code} {cas.Error}");
            var staleCas = await deployment.CliAsync(CliTimeout, "cas", "greeting", version, "again");
            Assert.Equal(1, staleCas.Code);
            Assert.Contains("(cas failed)", staleCas.Error, StringComparison.Ordinal);

            var status = await deployment.CliAsync(CliTimeout, "status", "--json");
            Assert.True(status.Code == 0, $"status: {status.Code} {status.Error}");
            var json = JsonDocument.Parse(status.Output).RootElement;
            Assert.Equal("default", json.GetProperty("group").GetString());
            Assert.True(json.GetProperty("epoch").GetInt64() >= 1);
            var nodes = json.GetProperty("nodes").EnumerateArray().ToList();
            Assert.Equal(3, nodes.Count);
            Assert.Single(nodes, n => n.GetProperty("role").GetString() == "primary");
            Assert.Equal(
                json.GetProperty("primary").GetInt32(),
                nodes.Single(n => n.GetProperty("role").GetString() == "primary").GetProperty("id").GetInt32()
            );

            var watched = await deployment.CliAsync(CliTimeout, "watch", "--count", "2", "--interval", "0.2");
            Assert.True(watched.Code == 0, $"watch: {watched.Code} {watched.Error}");
            Assert.Equal(
                2,
                watched.Output.Split('\n').Count(l => l.StartsWith("group default  epoch ", StringComparison.Ordinal))
            );

            var history = deployment.TempFile("history.jsonl");
            var bench = await deployment.CliAsync(
                TimeSpan.FromSeconds(45),
                "--group",
                "bench",
                "bench",
                "--duration",
                "2",
                "--warmup",
                "0",
                "--clients",
                "4",
                "--keys",
                "4",
                "--write-ratio",
                "0.5",
                "--json",
                "--history",
                history
            );
            output.WriteLine("bench: " + bench.Output);
            Assert.True(bench.Code == 0, $"bench: {bench.Code} {bench.Error}");
            var summary = JsonDocument.Parse(bench.Output).RootElement;
            Assert.Equal(
                ["ops", "throughput", "p50Ms", "p99Ms", "errors", "unknown"],
                summary.EnumerateObject().Select(p => p.Name)
            );
            Assert.True(summary.GetProperty("ops").GetInt64() > 0);

            var lines = await File.ReadAllLinesAsync(history);
            Assert.True(
                lines.Length >= 2 * summary.GetProperty("ops").GetInt64(),
                $"{lines.Length} history lines for {summary.GetProperty("ops")} operations"
            );
            var first = JsonDocument.Parse(lines[0]).RootElement;
            Assert.Equal(["process", "type", "f", "key", "value", "time"], first.EnumerateObject().Select(p => p.Name));
            var writes = lines.Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("type").GetString() == "invoke" && e.GetProperty("f").GetString() == "write")
                .Select(e => e.GetProperty("value").GetString())
                .ToList();
            Assert.Equal(writes.Count, writes.Distinct().Count()); // every write carries its own value

            var check = await deployment.CliAsync(CliTimeout, "check", history);
            output.WriteLine("check: " + check.Output);
            Assert.True(check.Code == 0, $"check: {check.Code} {check.Output} {check.Error}");
            Assert.Contains("verdict: linearizable", check.Output, StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine(deployment.Logs());
            throw;
        }
    }

    [Theory]
    [InlineData("Silo:Redis", "--clustering", "redis")]
    [InlineData("Silo:Clustering", "--clustering", "etcd")]
    [InlineData("Replication:DefaultNodeCount", "--Replication:DefaultNodeCount=0")]
    [InlineData("Replication:HeartbeatInterval", "--Replication:HeartbeatInterval", "00:00:05")]
    [InlineData("--silo-port", "--silo-port", "eleven")]
    [InlineData("Silo:SiloPort", "--silo-port", "80")]
    [InlineData("--no-such-option", "--no-such-option")]
    [InlineData("Silo:InMemory (--in-memory) and Replication:DataDirectory", "--in-memory", "--data-dir", "x")]
    [InlineData("Replication:Durability", "--in-memory", "--durability", "buffered")]
    [InlineData("Replication:Durability", "--durability", "fast")]
    [InlineData("Silo:Name", "--name", "two words")]
    public async Task ABadSiloConfigurationIsOneLineNamingTheOptionAndExitCode2(string named, params string[] args)
    {
        var (code, _, error) = await RedisDeployment.RunSiloAsync(TimeSpan.FromSeconds(30), args);

        Assert.True(code == 2, $"exit code {code}; stderr: {error}");
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ORLEANS_REPLICATION_Replication__DefaultNodeCount", "0", "Replication:DefaultNodeCount")]
    [InlineData("Replication__MaxBatchEntries", "0", "Replication:MaxBatchEntries")]
    [InlineData("ORLEANS_REPLICATION_Silo__Clustering", "consul", "Silo:Clustering")]
    [InlineData("ORLEANS_REPLICATION_Silo__Typo", "1", "Typo")]
    public async Task ABadSettingInTheEnvironmentIsRefusedTheSameWay(string variable, string value, string named)
    {
        var (code, _, error) = await RedisDeployment.RunSiloAsync(
            TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { [variable] = value }
        );

        Assert.True(code == 2, $"exit code {code}; stderr: {error}");
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableRedisServerStopsTheSiloWithOneLineAndExitCode1()
    {
        var (code, _, error) = await RedisDeployment.RunSiloAsync(TimeSpan.FromSeconds(50),
            "--clustering", "redis", "--redis", $"127.0.0.1:{RedisDeployment.FreePort()}",
            "--silo-port", RedisDeployment.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", RedisDeployment.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(code == 1, $"exit code {code}; stderr: {error}");
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: the silo did not start", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADataDirectoryOfAnotherSiloStopsTheSiloWithOneLineAndExitCode1AndIsLeftAsItWas()
    {
        var directory = Directory.CreateTempSubdirectory("orleans-replication-claimed-").FullName;
        try
        {
            var identity = Path.Combine(directory, "replication-silo.json");
            const string Claim = """{"clusterId":"other","siloName":"silo-7","created":"2026-01-01T00:00:00Z"}""";
            File.WriteAllText(identity, Claim);

            var (code, _, error) = await RedisDeployment.RunSiloAsync(
                TimeSpan.FromSeconds(30), "--data-dir", directory, "--name", "silo-1");

            Assert.True(code == 1, $"exit code {code}; stderr: {error}");
            Assert.Single(error.Trim().Split('\n'));
            Assert.StartsWith(
                $"error: the silo did not start: The data directory '{directory}' belongs to cluster other, silo " +
                "silo-7; this silo is cluster default, silo silo-1.",
                error,
                StringComparison.Ordinal
            );
            Assert.Equal([identity], Directory.GetFileSystemEntries(directory));
            Assert.Equal(Claim, File.ReadAllText(identity));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AMissingDataDirectoryStopsTheSiloWithOneLineAndExitCode1AndIsNotCreated()
    {
        var missing = Path.Combine(Path.GetTempPath(), "orleans-replication-missing-" + Guid.NewGuid().ToString("N"));

        var (code, _, error) = await RedisDeployment.RunSiloAsync(TimeSpan.FromSeconds(30), "--data-dir", missing);

        Assert.True(code == 1, $"exit code {code}; stderr: {error}");
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains($"'{missing}' does not exist; create it or pass another", error, StringComparison.Ordinal);
        Assert.False(Path.Exists(missing));
    }
}
