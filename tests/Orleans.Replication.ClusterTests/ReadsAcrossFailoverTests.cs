using System.Diagnostics.Metrics;
using Orleans.Replication.Client;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>Read-your-writes, monotonic reads and quorum reads when the primary's silo is lost.</summary>
public sealed class ReadsAcrossFailoverTests
{
    private static readonly WriteOptions Patient = new() { Timeout = TimeSpan.FromSeconds(15) };
    private static readonly TimeSpan ReadDeadline = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task SessionAndQuorumReadsSeeEveryAcknowledgedWriteAcrossAFailover()
    {
        await using var cluster = await IsolatedCluster.StartAsync(3);
        const string name = "fo-reads";
        var group = cluster.Store.Group(name);
        var session = group.OpenSession();
        var acked = new List<(string Key, string Value, long Version)>();
        for (var i = 0; i < 30; i++)
        {
            var w = await session.PutAsync($"k{i}", $"v{i}", Patient);
            acked.Add(($"k{i}", $"v{i}", w.Version));
        }

        foreach (var (key, value, version) in acked)
        {
            var read = await group.GetAsync(key, new ReadOptions { Consistency = ReadConsistency.Quorum(2) });
            Assert.True(
                read.ValueAsString == value && read.Version == version,
                $"quorum read of {key}: {read.ValueAsString}@{read.Version}, acknowledged {value}@{version}"
            );
        }

        // The token leaves as text, as a web application would carry it to its next request.
        var token = session.Token.ToString();
        await Eventually.HoldsAsync(
            async () =>
                (await group.GetStatusAsync()).Nodes is var n
                && n.All(x => x.CaughtUp)
                && n.Select(x => x.Silo).Distinct().Count() == 3,
            TimeSpan.FromSeconds(20),
            "the nodes never stood on three distinct silos"
        );
        var before = await group.GetStatusAsync();
        var failovers = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument is { Name: "replication.failovers", Meter.Name: "Orleans.Replication" })
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            if (tags.ToArray().Any(t => t is { Key: "group", Value: name }))
            {
                Interlocked.Add(ref failovers, value);
            }
        });
        listener.Start();
        await cluster.Cluster.KillSiloAsync(await cluster.SiloOfNodeAsync(name, before.PrimaryIndex));

        var resumed = group.ResumeSession(token);
        Assert.Equal(token, resumed.Token.ToString());
        var previous = resumed.Token;
        foreach (var (key, value, version) in acked)
        {
            var read = await resumed.GetAsync(key, new ReadOptions { Timeout = ReadDeadline });
            Assert.True(
                read.ValueAsString == value,
                $"session read of {key} on node {read.NodeIndex} (epoch {read.Epoch}): " +
                $"{read.ValueAsString ?? "(absent)"}, written {value}"
            );
            Assert.True(
                resumed.Token.CompareTo(previous) >= 0,
                $"the session token went back from {previous} to {resumed.Token}"
            );
            previous = resumed.Token;
        }

        var after = await resumed.PutAsync("after", "failover", Patient);
        Assert.True(
            after.Epoch > before.Epoch,
            $"write acknowledged in epoch {after.Epoch}, the lost primary's was {before.Epoch}"
        );
        Assert.True(Interlocked.Read(ref failovers) >= 1, "the failover was not counted in replication.failovers");
        for (var i = 0; i < 6; i++)
        {
            var mine = await resumed.GetAsync("after", new ReadOptions { Timeout = ReadDeadline });
            Assert.Equal("failover", mine.ValueAsString);
            Assert.True(resumed.Token.Index >= after.Version);
        }

        acked.Add(("after", "failover", after.Version));
        foreach (var (key, value, version) in acked)
        {
            var read = await group.GetAsync(
                key,
                new ReadOptions { Consistency = ReadConsistency.Quorum(2), Timeout = ReadDeadline }
            );
            Assert.True(
                read.ValueAsString == value && read.Version == version,
                $"quorum read of {key} after the failover: {read.ValueAsString}@{read.Version}, acknowledged " +
                $"{value}@{version}"
            );
        }
    }
}
