using Orleans.Replication.Client;
using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

[Collection("cluster")]
public sealed class BadInputTests(ClusterFixture fixture)
{
    private const string Name = "bad-input";

    private async Task<long> LastIndexAsync() => (await fixture.Node(Name, 0).GetStatusAsync()).LastIndex;

    [Fact]
    public async Task BadKeysAndValuesAreRefusedAndChangeNothing()
    {
        var group = fixture.Store.Group(Name);
        await group.PutAsync("exists", "yes");
        var before = await LastIndexAsync();

        await Assert.ThrowsAsync<ArgumentNullException>(() => group.PutAsync(null!, "v"));
        await Assert.ThrowsAsync<ArgumentException>(() => group.PutAsync("", "v"));
        await Assert.ThrowsAsync<ArgumentException>(() => group.PutAsync(new string('k', 1025), "v"));
        await Assert.ThrowsAsync<ArgumentException>(() => group.PutAsync("k", new byte[1024 * 1024 + 1]));
        await Assert.ThrowsAsync<ArgumentNullException>(() => group.PutAsync("k", (byte[])null!));
        await Assert.ThrowsAsync<ArgumentException>(() => group.GetAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => group.DeleteAsync(new string('é', 600)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => group.CompareAndSetAsync("k", -1, "v"));

        // The silo checks too: a command sent around the client library is refused the same way.
        var direct = await fixture
            .Node(Name, 0)
            .WriteAsync(
                new WriteCommand(
                    new string('k', 2000),
                    LogOperation.Put,
                    [1],
                    null,
                    Guid.NewGuid(),
                    WriteConcern.Majority,
                    TimeSpan.FromSeconds(1)
                )
            );
        Assert.Equal(WriteStatus.Invalid, direct.Status);
        Assert.Contains("1024", direct.Message);
        var noop = await fixture
            .Node(Name, 0)
            .WriteAsync(
                new WriteCommand(
                    "k",
                    LogOperation.Noop,
                    null,
                    null,
                    Guid.NewGuid(),
                    WriteConcern.Majority,
                    TimeSpan.FromSeconds(1)
                )
            );
        Assert.Equal(WriteStatus.Invalid, noop.Status);

        Assert.Equal(before, await LastIndexAsync());
        Assert.Equal("yes", (await group.GetAsync("exists")).ValueAsString);
    }

    [Fact]
    public async Task ImpossibleConcernsAndConsistenciesAreRefused()
    {
        var group = fixture.Store.Group(Name);
        await group.PutAsync("exists", "yes");
        var before = await LastIndexAsync();

        var concern = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            group.PutAsync("k", "v", new WriteOptions { Concern = WriteConcern.WaitForReplicas(3) }));
        Assert.Contains("3 nodes", concern.Message);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            group.PutAsync("k", "v", new WriteOptions { Timeout = TimeSpan.Zero })
        );
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => group.GetAsync("k", ReadConsistency.Quorum(4)));
        await Assert.ThrowsAsync<ArgumentException>(() => group.GetAsync("k", ReadConsistency.Session));
        Assert.Throws<ArgumentOutOfRangeException>(() => WriteConcern.WaitForReplicas(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadConsistency.BoundedStaleness(TimeSpan.FromSeconds(-1)));

        Assert.Equal(before, await LastIndexAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("ünicode")]
    public void InvalidGroupNamesAreRefused(string name)
    {
        Assert.Throws<ArgumentException>(() => fixture.Store.Group(name));
    }

    [Fact]
    public void OverlongGroupNameIsRefused()
    {
        Assert.Throws<ArgumentException>(() => fixture.Store.Group(new string('g', 65)));
        Assert.NotNull(fixture.Store.Group(new string('g', 64)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(-1)]
    public async Task GroupSizesOutsideOneToSevenAreRefused(int nodes)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            fixture.Store.CreateGroupAsync("bad-size", new GroupConfiguration(nodes))
        );
    }

    [Fact]
    public async Task ExplicitGroupKeepsItsSizeAndRefusesAnother()
    {
        var group = await fixture.Store.CreateGroupAsync("five-nodes", new GroupConfiguration(5));
        await group.PutAsync("k", "v", new WriteOptions { Concern = WriteConcern.All });
        var status = await group.GetStatusAsync();
        Assert.Equal(5, status.NodeCount);
        Assert.Equal(5, status.Nodes.Count);
        Assert.All(status.Nodes, n => Assert.False(string.IsNullOrEmpty(n.Silo)));

        var again = await fixture.Store.CreateGroupAsync("five-nodes", new GroupConfiguration(5));
        Assert.Equal("five-nodes", again.Name);
        await Assert.ThrowsAnyAsync<Exception>(() =>
            fixture.Store.CreateGroupAsync("five-nodes", new GroupConfiguration(3))
        );
        Assert.Equal(5, (await group.GetStatusAsync()).NodeCount);
    }
}
