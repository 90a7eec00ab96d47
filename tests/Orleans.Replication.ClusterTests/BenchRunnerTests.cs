using Orleans.Replication.Testing.Bench;
using Orleans.Replication.Testing.Checking;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>The load generator against the shared in-process cluster.</summary>
[Collection("cluster")]
public sealed class BenchRunnerTests(ClusterFixture fixture)
{
    [Fact]
    public async Task SessionReadsRecordedAsAHistoryRunToTheEnd()
    {
        var output = new StringWriter();
        var options = new BenchOptions
        {
            Group = "bench-session-history",
            Clients = 4,
            Operations = 200,
            Warmup = TimeSpan.Zero,
            Keys = 5,
            WriteRatio = 0.5,
            Consistency = ReadConsistency.Session,
        };

        BenchReport report;
        using (var history = new HistoryWriter(output, leaveOpen: true))
        {
            report = await new BenchRunner(fixture.Store, fixture.Grains).RunAsync(options, null, history);
        }

        Assert.True(
            report.Errors == 0 && report.Unknown == 0,
            $"{report.Errors} operations failed and {report.Unknown} were of unknown outcome: {report}"
        );
        Assert.Equal(200, report.Operations);
        var operations = HistoryReader.Parse(output.ToString());
        Assert.Equal(200, operations.Count);
        Assert.Contains(operations, o => o.Kind == OperationKind.Read);
        Assert.All(operations, o => Assert.Equal(OperationOutcome.Ok, o.Outcome));
    }

    [Fact]
    public async Task RawRunsReachTheBaselineGrainOnTheSilos()
    {
        var options = new BenchOptions
        {
            Group = "bench-raw",
            Raw = true,
            Clients = 2,
            Operations = 50,
            Warmup = TimeSpan.Zero,
            Keys = 5,
            WriteRatio = 0.5,
        };

        var report = await new BenchRunner(fixture.Store, fixture.Grains).RunAsync(options);

        Assert.True(report.Errors == 0, $"{report.Errors} operations failed: {report}");
        Assert.Equal(50, report.Operations);
    }
}
