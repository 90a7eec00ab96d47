using Microsoft.Extensions.Options;
using Xunit;

namespace Orleans.Replication.ClusterTests;

public sealed class OptionsValidationTests
{
    [Fact]
    public async Task SiloWithInvalidOptionsRefusesToStartAndNamesTheOption()
    {
        var cluster = IsolatedCluster.NewBuilder(1, o => o.DefaultNodeCount = 9).Build();
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.DeployAsync());
            var all = Flatten(error);
            Assert.Contains(all, e => e is OptionsValidationException);
            Assert.Contains("Replication:DefaultNodeCount", string.Join(" | ", all.Select(e => e.Message)));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private static List<Exception> Flatten(Exception e)
    {
        var list = new List<Exception> { e };
        if (e is AggregateException a)
        {
            list.AddRange(a.InnerExceptions.SelectMany(Flatten));
        }
        else if (e.InnerException is { } inner)
        {
            list.AddRange(Flatten(inner));
        }

        return list;
    }
}
