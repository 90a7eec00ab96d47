using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using Orleans.Replication.Cli;
using Orleans.Replication.Client;
using CommandLine = Orleans.Replication.Cli.Cli;

namespace Orleans.Replication.Tests;

/// <summary>
/// The command line without a cluster: parsing, exit codes, one-line errors, JSON shapes, and the check verb.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("put", "only-a-key")]
    [InlineData("cas", "k", "not-a-number", "v")]
    [InlineData("cas", "k", "-1", "v")]
    [InlineData("--write-concern", "lots", "put", "k", "v")]
    [InlineData("--durability", "forever", "put", "k", "v")]
    [InlineData("bench", "--durability", "2")]
    [InlineData("--consistency", "psychic", "get", "k")]
    [InlineData("--timeout", "0", "get", "k")]
    [InlineData("--gateway", "nohostport", "get", "k")]
    [InlineData("--clustering", "zookeeper", "get", "k")]
    [InlineData("--clustering", "redis", "get", "k")]
    [InlineData("--redis", "localhost:6379", "get", "k")]
    [InlineData("--clustering", "redis", "--redis", "localhost:6379", "--gateway", "localhost:30000", "get", "k")]
    [InlineData("--group", "bad/name", "status")]
    [InlineData("watch", "--interval", "0")]
    [InlineData("watch", "--count", "0")]
    [InlineData("check")]
    [InlineData("recover", "--accept-loss", "maybe")]
    [InlineData("recover", "extra")]
    [InlineData("get", "k", "--consistency", "session")]
    [InlineData("get", "k", "--session", "not-a-token")]
    [InlineData("get", "k", "--session", "3:-1")]
    [InlineData("--consistency", "bounded:soon", "get", "k")]
    [InlineData("--timeout", "15x", "get", "k")]
    [InlineData("--timeout", "2h", "get", "k")]
    [InlineData("bench", "--duration", "15sec")]
    [InlineData("bench", "--duration", "0s")]
    [InlineData("bench", "--warmup", "2h")]
    [InlineData("watch", "--interval", "10ms")]
    [InlineData("add-replica", "--sync-timeout", "11m")]
    [InlineData("check", "--max-seconds", "1e3", "history.jsonl")]
    public async Task BadUsageExitsWithCode2AndOneErrorLineBeforeConnecting(params string[] args)
    {
        var watch = Stopwatch.StartNew();
        var (code, output, error) = await RunAsync(args);

        Assert.True(code == ExitCodes.Usage, $"exit code {code} for '{string.Join(' ', args)}'; stderr: {error}");
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // no stack trace
        Assert.Equal("", output);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}: it must not wait for a cluster");
    }

    [Fact]
    public async Task ASessionReadWithoutATokenIsRefusedNamingTheOptionItNeeds()
    {
        var (code, output, error) = await RunAsync([
            "--gateway",
            $"127.0.0.1:{FreePort()}",
            "get",
            "k",
            "--consistency",
            "session",
        ]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.Contains("--session", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        // The library's advice is for code, not for the command line.
        Assert.DoesNotContain("OpenSession", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("get", "k", "--session", "3:17")]
    [InlineData("get", "k", "--session", "3:17", "--consistency", "session")]
    [InlineData("get", "k", "--session", "3:17", "--consistency", "eventual")]
    [InlineData("--consistency", "bounded:500ms", "get", "k")]
    [InlineData("--consistency", "bounded:250", "get", "k")]
    [InlineData("bench", "--duration", "15s", "--warmup", "2m")]
    [InlineData("bench", "--duration", "1.5")]
    [InlineData("watch", "--interval", "250ms")]
    [InlineData("add-replica", "--sync-timeout", "2m")]
    public async Task GoodUsageGetsAsFarAsConnecting(params string[] args)
    {
        var (code, output, error) = await RunAsync([
            "--gateway",
            $"127.0.0.1:{FreePort()}",
            "--timeout",
            "500ms",
            .. args,
        ]);

        Assert.True(code == ExitCodes.Failed, $"exit code {code} for '{string.Join(' ', args)}'; stderr: {error}");
        Assert.Equal("", output);
        Assert.Contains("Could not connect", error, StringComparison.Ordinal);
        // --timeout 500ms was the connection's deadline.
        Assert.Contains("within 0.5 s", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("15s", 15_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5", 1_500)]
    [InlineData("15", 15_000)]
    [InlineData("0", 0)]
    [InlineData(" 2 M ", 120_000)]
    [InlineData("0.25s", 250)]
    public void TimesTakeAUnitAndBareNumbersAreSeconds(string text, double milliseconds)
    {
        Assert.True(TimeOption.TryParse(text, TimeSpan.FromSeconds(1), out var time), text);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), time);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("15x")]
    [InlineData("15sec")]
    [InlineData("-1")]
    [InlineData("-1s")]
    [InlineData("1e3")]
    [InlineData("1,5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1 000s")]
    [InlineData("99999999999h")]
    public void WhatIsNotATimeIsRefused(string text) =>
        Assert.False(TimeOption.TryParse(text, TimeSpan.FromSeconds(1), out _), text);

    [Fact]
    public void ABoundedStalenessBoundTakesAUnitAndABareNumberStaysMilliseconds()
    {
        Assert.Equal(
            ReadConsistency.BoundedStaleness(TimeSpan.FromSeconds(2)),
            CommandLine.ParseConsistency("bounded:2s")
        );
        Assert.Equal(
            ReadConsistency.BoundedStaleness(TimeSpan.FromMilliseconds(250)),
            CommandLine.ParseConsistency("bounded:250")
        );
        Assert.Equal(
            ReadConsistency.BoundedStaleness(TimeSpan.FromMilliseconds(500)),
            CommandLine.ParseConsistency("Bounded:500ms")
        );
        Assert.Equal(ReadConsistency.Quorum(2), CommandLine.ParseConsistency("quorum:2"));
        Assert.Throws<FormatException>(() => CommandLine.ParseConsistency("bounded:"));
        Assert.Throws<FormatException>(() => CommandLine.ParseConsistency("bounded:-1s"));
    }

    [Fact]
    public void AWritePrintsTheSessionTokenThatGetSessionTakes()
    {
        var line = CommandLine.Written(version: 17, epoch: 3);

        Assert.Equal("OK version=17 epoch=3 session=3:17", line);
        var token = line.Split(' ').Single(f => f.StartsWith("session=", StringComparison.Ordinal))[
            "session=".Length..
        ];
        Assert.Equal(new SessionToken(3, 17), SessionToken.Parse(token));
        var options = SessionReads.Options(new ReadOptions(), consistencyGiven: false, token);
        Assert.Equal(ReadConsistency.Session, options.Consistency);
    }

    [Fact]
    public void ASessionTokenImpliesASessionReadUnlessAnotherConsistencyIsGiven()
    {
        var eventual = new ReadOptions { Consistency = ReadConsistency.Eventual, Timeout = TimeSpan.FromSeconds(2) };

        Assert.Equal(
            ReadConsistency.Session,
            SessionReads.Options(eventual, consistencyGiven: false, "1:5").Consistency
        );
        Assert.Equal(TimeSpan.FromSeconds(2), SessionReads.Options(eventual, consistencyGiven: false, "1:5").Timeout);
        Assert.Equal(
            ReadConsistency.Eventual,
            SessionReads.Options(eventual, consistencyGiven: true, "1:5").Consistency
        );
        Assert.Same(eventual, SessionReads.Options(eventual, consistencyGiven: true, token: null));
        Assert.Throws<ArgumentException>(() =>
            SessionReads.Options(new ReadOptions { Consistency = ReadConsistency.Session }, true, token: null)
        );
        Assert.Throws<FormatException>(() => SessionReads.Options(new ReadOptions(), false, "5"));
    }

    [Fact]
    public void AReadWithATokenGoesThroughTheSessionResumedFromItAndWithoutOneThroughTheGroup()
    {
        var group = DispatchProxy.Create<IReplicatedGroup, GroupRecorder>();
        var recorder = (GroupRecorder)(object)group;

        Assert.Same(group, SessionReads.Reader(group, token: null));
        Assert.Empty(recorder.Calls);

        var reader = SessionReads.Reader(group, "3:17");
        Assert.IsAssignableFrom<IReplicatedSession>(reader);
        Assert.Equal(["ResumeSession(3:17)"], recorder.Calls);
    }

    [Fact]
    public async Task NoSiloListeningFailsWithCode1WithinTheTimeout()
    {
        var port = FreePort();
        var watch = Stopwatch.StartNew();
        var (code, _, error) = await RunAsync(["--gateway", $"127.0.0.1:{port}", "--timeout", "1", "put", "k", "v"]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("Could not connect", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task CheckOfALinearizableHistoryExitsWith0()
    {
        var file = Write("ok.jsonl",
            """{"process":0,"type":"invoke","f":"write","key":"k","value":"a","time":0}""",
            """{"process":0,"type":"ok","f":"write","key":"k","value":"a","time":10}""",
            """{"process":1,"type":"invoke","f":"read","key":"k","value":null,"time":20}""",
            """{"process":1,"type":"ok","f":"read","key":"k","value":"a","time":30}""");

        var (code, output, error) = await RunAsync(["check", file]);

        Assert.True(code == ExitCodes.Ok, error + output);
        Assert.Contains("verdict: linearizable", output, StringComparison.Ordinal);
        Assert.Contains("lost acknowledged writes: 0", output, StringComparison.Ordinal);
        Assert.Contains("first violation: none", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckReportsALostAcknowledgedWriteAndTheFirstViolationAndExitsWith1()
    {
        var file = Write("lost.jsonl",
            """{"process":0,"type":"invoke","f":"write","key":"k","value":"a","time":0}""",
            """{"process":0,"type":"ok","f":"write","key":"k","value":"a","time":10}""",
            """{"process":0,"type":"invoke","f":"write","key":"k","value":"b","time":20}""",
            """{"process":0,"type":"ok","f":"write","key":"k","value":"b","time":30}""",
            """{"process":1,"type":"invoke","f":"read","key":"k","value":null,"time":40}""",
            """{"process":1,"type":"ok","f":"read","key":"k","value":"a","time":50}""");

        var (code, output, _) = await RunAsync(["check", file]);
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("verdict: not linearizable", output, StringComparison.Ordinal);
        Assert.Contains("lost acknowledged writes: 1", output, StringComparison.Ordinal);
        Assert.Contains("first violation (key \"k\")", output, StringComparison.Ordinal);

        (code, output, _) = await RunAsync(["check", file, "--json"]);
        Assert.Equal(ExitCodes.Failed, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.False(json.GetProperty("valid").GetBoolean());
        Assert.Equal("not linearizable", json.GetProperty("verdict").GetString());
        Assert.Equal(3, json.GetProperty("operations").GetInt32());
        Assert.Equal(1, json.GetProperty("keys").GetInt32());
        var lost = Assert.Single(json.GetProperty("lostWrites").EnumerateArray().ToList());
        Assert.Equal("b", lost.GetProperty("value").GetString());
        Assert.Equal("a", lost.GetProperty("read").GetString());
        Assert.Equal("k", json.GetProperty("firstViolation").GetProperty("key").GetString());
    }

    [Fact]
    public async Task CheckOfAMissingOrMalformedFileExitsWith2()
    {
        var (code, _, error) = await RunAsync(["check", Path.Combine(_dir, "absent.jsonl")]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("error: cannot read history", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync(["check", Write("bad.jsonl", "{\"process\":0,\"type\":\"invoke\"")]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("line 1", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RecoverWithNoSiloListeningFailsWithCode1()
    {
        var (code, output, error) = await RunAsync([
            "--gateway",
            $"127.0.0.1:{FreePort()}",
            "--timeout",
            "1",
            "recover",
            "--accept-loss",
        ]);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void StatusTableSaysSinceWhenAGroupIsShortAndWhenItElectsNext()
    {
        var since = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
        var status = new GroupStatus(
            "g",
            7,
            -1,
            3,
            [
                new NodeStatus(
                    0,
                    NodeRole.Replica,
                    "S127.0.0.1:11111:1",
                    7,
                    10,
                    10,
                    10,
                    0,
                    0,
                    true,
                    Guid.NewGuid(),
                    5,
                    null,
                    CaughtUp: true
                ),
            ],
            "no majority",
            2,
            since,
            "node 1 unreachable",
            since.AddSeconds(4)
        );

        var table = CommandLine.StatusTable(status);
        Assert.Contains(
            "under-replicated since 2026-12-03 09:00:00Z: node 1 unreachable",
            table,
            StringComparison.Ordinal
        );
        Assert.Contains("next election at 2026-12-03 09:00:04Z", table, StringComparison.Ordinal);
        Assert.DoesNotContain(
            "under-replicated",
            CommandLine.StatusTable(status with { UnderReplicatedSince = null, Repair = null }),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void StatusJsonHasTheDocumentedShape()
    {
        var status = new GroupStatus(
            "g",
            4,
            1,
            2,
            [
                new NodeStatus(
                    0,
                    NodeRole.Replica,
                    "S127.0.0.1:11111:1",
                    4,
                    10,
                    9,
                    9,
                    1,
                    12.34,
                    true,
                    Guid.NewGuid(),
                    5,
                    null,
                    DurableIndex: 8,
                    Durability: Durability.Buffered,
                    DataDirectory: "/var/lib/orepl/nodes/g-g/0",
                    SyncedIndex: 6
                ),
                new NodeStatus(
                    1,
                    NodeRole.Primary,
                    "S127.0.0.1:11112:1",
                    4,
                    10,
                    10,
                    9,
                    0,
                    double.PositiveInfinity,
                    false,
                    Guid.NewGuid(),
                    5,
                    "slow"
                ),
            ]
        );

        var json = JsonDocument.Parse(CommandLine.StatusJson(status)).RootElement;
        Assert.Equal(["group", "epoch", "primary", "nodes"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("g", json.GetProperty("group").GetString());
        Assert.Equal(4, json.GetProperty("epoch").GetInt64());
        Assert.Equal(1, json.GetProperty("primary").GetInt32());
        var nodes = json.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(2, nodes.Count);
        Assert.Equal(
            [
                "id", "role", "silo", "appliedIndex", "commitIndex", "durableIndex", "syncedIndex", "durability",
                "dataDirectory", "lagEntries", "lagMs", "healthy",
            ],
            nodes[0].EnumerateObject().Select(p => p.Name)
        );
        Assert.Equal(8, nodes[0].GetProperty("durableIndex").GetInt64());
        Assert.Equal(6, nodes[0].GetProperty("syncedIndex").GetInt64());
        Assert.Equal("buffered", nodes[0].GetProperty("durability").GetString());
        Assert.Equal("/var/lib/orepl/nodes/g-g/0", nodes[0].GetProperty("dataDirectory").GetString());
        Assert.Equal("memory", nodes[1].GetProperty("durability").GetString());
        Assert.Equal(JsonValueKind.Null, nodes[1].GetProperty("dataDirectory").ValueKind);
        Assert.Equal("replica", nodes[0].GetProperty("role").GetString());
        Assert.Equal(12.3, nodes[0].GetProperty("lagMs").GetDouble());
        Assert.Equal("primary", nodes[1].GetProperty("role").GetString());
        Assert.Equal(-1, nodes[1].GetProperty("lagMs").GetDouble()); // infinite lag is written as -1
        Assert.False(nodes[1].GetProperty("healthy").GetBoolean());
    }

    [Theory]
    [InlineData("disk", Durability.Disk)]
    [InlineData("Buffered", Durability.Buffered)]
    [InlineData("MEMORY", Durability.Memory)]
    [InlineData("fsync", null)]
    [InlineData("", null)]
    public void DurabilityParsesTheThreeLevelsInAnyCase(string text, Durability? expected) =>
        Assert.Equal(expected, CommandLine.ParseDurability(text));

    /// <summary>A group that records the calls made to it; a resumed session is another recorder.</summary>
    public class GroupRecorder : DispatchProxy
    {
        public List<string> Calls { get; } = [];

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            Calls.Add($"{targetMethod!.Name}({string.Join(", ", args ?? [])})");
            return targetMethod.ReturnType == typeof(IReplicatedSession)
                ? DispatchProxy.Create<IReplicatedSession, GroupRecorder>()
                : null;
        }
    }

    /// <summary>Runs the command line in this process: its exit code, output and errors.</summary>
    internal static async Task<(int Code, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await CommandLine.RunAsync(args, output, error, deadline.Token);
        return (code, output.ToString(), error.ToString());
    }

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
