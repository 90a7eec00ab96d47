using Orleans.Replication.Client;
using Orleans.Replication.Work;

namespace Orleans.Replication.Tests.Work;

public sealed class WorkConfigurationTests
{
    [Fact]
    public void DefaultOptionsAreValidAndBadOnesNameTheOption()
    {
        var validator = new WorkOptionsValidator();
        Assert.True(validator.Validate(null, new WorkOptions()).Succeeded);
        var bad = validator.Validate(
            null,
            new WorkOptions
            {
                MaxQueuedTasks = 0,
                MaxPayloadBytes = -1,
                TasksPerResponder = 0,
                DefaultTaskTimeout = TimeSpan.FromHours(1),
            }
        );
        Assert.True(bad.Failed);
        foreach (var option in new[] { "MaxQueuedTasks", "MaxPayloadBytes", "TasksPerResponder", "DefaultTaskTimeout" })
        {
            Assert.Contains(option, bad.FailureMessage);
        }
    }

    [Fact]
    public void TwoHandlersWithOneNameAreRefused()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            new WorkRegistry([new Named("x"), new Named("x")], [], [])
        );
        Assert.Contains("'x'", e.Message);
        Assert.Throws<ArgumentException>(() => new WorkRegistry([new Named("has space")], [], []));
    }

    [Fact]
    public void BadNamesAndJobSettingsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => WorkLimits.ValidatePool("a/b"));
        Assert.Throws<ArgumentException>(() => WorkLimits.ValidateTaskId("tab\tid"));
        Assert.Throws<ArgumentException>(() => new MapReduceJob { Mapper = "" }.Validate());
        Assert.Throws<ArgumentException>(() => new MapReduceJob { CombineEvery = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new MapReduceJob { Timeout = TimeSpan.Zero }.Validate());
    }

    private sealed class Named(string name) : ITaskHandler
    {
        public string Name => name;

        public Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
            Task.FromResult(Array.Empty<byte>());
    }
}
