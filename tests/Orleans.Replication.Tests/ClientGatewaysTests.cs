using Orleans.Messaging;
using Orleans.Replication.Client;

namespace Orleans.Replication.Tests;

/// <summary>Whether a silo's gateway is one of the client's own, as its gateway list provider names them.</summary>
public sealed class ClientGatewaysTests
{
    private static readonly ClientGateways Gateways = new(
        new FixedGateways("gwy.tcp://127.0.0.1:30000/0", "gwy.tcp://10.0.0.5:30001/7", "gwy.tcp://[::1]:30002/3")
    );

    [Theory]
    [InlineData("127.0.0.1", 30000)]
    [InlineData("10.0.0.5", 30001)]
    [InlineData("::1", 30002)]
    public async Task AListedAddressAndPort_IsAGateway(string host, int port) =>
        Assert.True(await Gateways.IsGatewayAsync(host, port));

    [Theory]
    [InlineData("127.0.0.1", 30001)]
    [InlineData("127.0.0.1", 11111)]
    [InlineData("127.0.0.2", 30000)]
    [InlineData("10.0.0.5", 30000)]
    [InlineData("::1", 30000)]
    public async Task AnotherPortOrAnotherAddress_IsNotAGateway(string host, int port) =>
        Assert.False(await Gateways.IsGatewayAsync(host, port));

    [Theory]
    [InlineData("localhost")]
    [InlineData("")]
    [InlineData("not an address")]
    public async Task AHostThatIsNoIpAddress_IsNotAGateway(string host) =>
        Assert.False(await Gateways.IsGatewayAsync(host, 30000));

    [Fact]
    public async Task TheListIsReadOnEveryQuestion_SoAGatewayThatJoinsLaterIsFound()
    {
        var provider = new FixedGateways("gwy.tcp://127.0.0.1:30000/0");
        var gateways = new ClientGateways(provider);
        Assert.False(await gateways.IsGatewayAsync("127.0.0.1", 30001));

        provider.Gateways = [new Uri("gwy.tcp://127.0.0.1:30000/0"), new Uri("gwy.tcp://127.0.0.1:30001/0")];

        Assert.True(await gateways.IsGatewayAsync("127.0.0.1", 30001));
    }

    [Fact]
    public async Task AnEmptyGatewayList_HoldsNoGateway()
    {
        var gateways = new ClientGateways(new FixedGateways());
        Assert.False(await gateways.IsGatewayAsync("127.0.0.1", 30000));
    }

    private sealed class FixedGateways(params string[] uris) : IGatewayListProvider
    {
        public IList<Uri> Gateways { get; set; } = [.. uris.Select(u => new Uri(u))];

        public TimeSpan MaxStaleness => TimeSpan.FromMinutes(1);

        public bool IsUpdatable => true;

        public Task InitializeGatewayListProvider() => Task.CompletedTask;

        public Task<IList<Uri>> GetGateways() => Task.FromResult(Gateways);
    }
}
