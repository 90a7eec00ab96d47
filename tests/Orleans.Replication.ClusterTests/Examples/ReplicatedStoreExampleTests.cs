using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Orleans.TestingHost;
using Xunit;

namespace MyApp.Tests;

public sealed class ReplicatedStoreExampleTests
{
    [Fact]
    public async Task APutIsReadBackFromTheReplicatedStore()
    {
        // Three silos, each with the store as its silo host sets it up; the client gets IReplicatedStore.
        var cluster = new TestClusterBuilder(3).AddReplication().Build();
        await cluster.DeployAsync();
        try
        {
            var store = cluster.Client.ServiceProvider.GetRequiredService<IReplicatedStore>();
            var orders = store.Group("orders");

            await orders.PutAsync("o-17", "paid");
            var read = await orders.GetAsync("o-17");

            Assert.Equal("paid", read.ValueAsString);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
