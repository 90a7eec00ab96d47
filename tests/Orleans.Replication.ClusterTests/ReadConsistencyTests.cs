using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

[Collection("cluster")]
public sealed class ReadConsistencyTests(ClusterFixture fixture)
{
    [Fact]
    public async Task SessionReadsSeeTheSessionsOwnWritesOnReplicas()
    {
        const string name = "read-session";
        var group = fixture.Store.Group(name);
        await group.PutAsync("warm", "up");

        // One replica lags: a session read that reaches it must not return an older value.
        await fixture.Faults(name, 2).HoldReplicationAsync();
        var servedByReplica = 0;
        try
        {
            var session = group.OpenSession();
            var previous = session.Token;
            for (var i = 0; i < 40; i++)
            {
                await session.PutAsync("k", $"v{i}");
                var read = await session.GetAsync("k");
                Assert.Equal($"v{i}", read.ValueAsString);
                servedByReplica += read.NodeIndex != 0 ? 1 : 0;
                Assert.True(session.Token.CompareTo(previous) > 0, "the session token must move forward");
                previous = session.Token;
            }
        }
        finally
        {
            await fixture.Faults(name, 2).ReleaseReplicationAsync();
        }

        Assert.True(servedByReplica > 0, "no session read was served by a replica");
    }

    [Fact]
    public async Task SessionTokenCarriedAsTextKeepsReadYourWrites()
    {
        var group = fixture.Store.Group("read-token");
        var writer = group.OpenSession();
        await writer.PutAsync("k", "mine");
        var text = writer.Token.ToString();

        var resumed = group.OpenSession(SessionToken.Parse(text));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("mine", (await resumed.GetAsync("k")).ValueAsString);
        }
    }

    [Fact]
    public async Task BoundedStalenessRefusesALaggingNode()
    {
        const string name = "read-bounded";
        var group = fixture.Store.Group(name);
        await group.PutAsync("k", "old");
        await fixture.Faults(name, 2).HoldReplicationAsync();
        try
        {
            await group.PutAsync("k", "new");
            await Eventually.HoldsAsync(
                async () => (await fixture.Node(name, 2).GetStatusAsync()).LagMs > 300,
                TimeSpan.FromSeconds(10),
                async () => $"held replica lag {(await fixture.Node(name, 2).GetStatusAsync()).LagMs} ms"
            );

            var bound = ReadConsistency.BoundedStaleness(TimeSpan.FromMilliseconds(200));
            var direct = await fixture.Node(name, 2).ReadAsync(new ReadRequest("k", bound, 0, TimeSpan.FromSeconds(1)));
            Assert.Equal(ReadStatus.TooStale, direct.Status);

            for (var i = 0; i < 12; i++)
            {
                var read = await group.GetAsync("k", bound);
                Assert.NotEqual(2, read.NodeIndex);
                Assert.True(read.LagMs <= 200, $"node {read.NodeIndex} served with lag {read.LagMs} ms");
                Assert.Equal("new", read.ValueAsString);
            }

            // Eventual reads may still use the lagging node and see the old value.
            var eventual = await fixture
                .Node(name, 2)
                .ReadAsync(new ReadRequest("k", ReadConsistency.Eventual, 0, TimeSpan.Zero));
            Assert.Equal("old", System.Text.Encoding.UTF8.GetString(eventual.Value!));
        }
        finally
        {
            await fixture.Faults(name, 2).ReleaseReplicationAsync();
        }
    }

    [Fact]
    public async Task QuorumReadSeesAMajorityWriteEvenWhenAReplicaLags()
    {
        const string name = "read-quorum";
        var group = fixture.Store.Group(name);
        await group.PutAsync("k", "old");
        await fixture.Faults(name, 2).HoldReplicationAsync();
        try
        {
            var written = await group.PutAsync("k", "new");
            for (var i = 0; i < 9; i++)
            {
                var read = await group.GetAsync("k", ReadConsistency.Quorum(2));
                Assert.Equal("new", read.ValueAsString);
                Assert.Equal(written.Version, read.Version);
            }
        }
        finally
        {
            await fixture.Faults(name, 2).ReleaseReplicationAsync();
        }
    }

    [Fact]
    public async Task StrongReadsReturnTheLatestAcknowledgedWrite()
    {
        var group = fixture.Store.Group("read-strong");
        for (var i = 0; i < 20; i++)
        {
            var w = await group.PutAsync("k", $"v{i}");
            var r = await group.GetAsync("k", ReadConsistency.Strong);
            Assert.Equal($"v{i}", r.ValueAsString);
            Assert.Equal(w.Version, r.Version);
            Assert.Equal(0, r.NodeIndex);
        }
    }
}
