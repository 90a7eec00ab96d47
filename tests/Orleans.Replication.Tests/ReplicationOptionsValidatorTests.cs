using Orleans.Replication.Options;

namespace Orleans.Replication.Tests;

/// <summary>
/// Start-up validation of the silo options: every bad setting is named as "Replication:&lt;Name&gt;".
/// </summary>
public sealed class ReplicationOptionsValidatorTests
{
    /// <summary>
    /// One bad setting per case, keyed "Option=value"; the key's option is the one the message must name.
    /// </summary>
    private static readonly Dictionary<string, Action<ReplicationOptions>> BadSettings = new()
    {
        ["DefaultNodeCount=0"] = o => o.DefaultNodeCount = 0,
        ["DefaultNodeCount=8"] = o => o.DefaultNodeCount = 8,
        ["MaxKeyBytes=0"] = o => o.MaxKeyBytes = 0,
        ["MaxKeyBytes=65537"] = o => o.MaxKeyBytes = 64 * 1024 + 1,
        ["MaxValueBytes=0"] = o => o.MaxValueBytes = 0,
        ["MaxValueBytes=67108865"] = o => o.MaxValueBytes = 64 * 1024 * 1024 + 1,
        ["MaxBatchEntries=0"] = o => o.MaxBatchEntries = 0,
        ["MaxBatchEntries=100001"] = o => o.MaxBatchEntries = 100_001,
        ["MaxInFlightBatches=0"] = o => o.MaxInFlightBatches = 0,
        ["MaxInFlightBatches=65"] = o => o.MaxInFlightBatches = 65,
        ["HeartbeatInterval=1ms"] = o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(1),
        ["HeartbeatInterval=2s"] = o => o.HeartbeatInterval = TimeSpan.FromSeconds(2),
        ["ReplicationCallTimeout=49ms"] = o => o.ReplicationCallTimeout = TimeSpan.FromMilliseconds(49),
        ["ReplicationCallTimeout=2min"] = o => o.ReplicationCallTimeout = TimeSpan.FromMinutes(2),
        ["MaxWriteTimeout=0"] = o => o.MaxWriteTimeout = TimeSpan.Zero,
        ["MinRetainedLogEntries=-1"] = o => o.MinRetainedLogEntries = -1,
        ["MaxRetainedLogEntries<Min"] = o => o.MaxRetainedLogEntries = o.MinRetainedLogEntries - 1,
        ["MaxRetainedLogEntries=0"] = o => (o.MinRetainedLogEntries, o.MaxRetainedLogEntries) = (0, 0),
        ["SnapshotChunkSize=0"] = o => o.SnapshotChunkSize = 0,
        ["DeduplicationWindow=0"] = o => o.DeduplicationWindow = TimeSpan.Zero,
        ["DeduplicationWindow=-1s"] = o => o.DeduplicationWindow = TimeSpan.FromSeconds(-1),
        ["MaxDeduplicationEntries=0"] = o => o.MaxDeduplicationEntries = 0,
        ["MaxHealthyLag=0"] = o => o.MaxHealthyLag = TimeSpan.Zero,
        ["ReadStrategy=9"] = o => o.ReadStrategy = (Orleans.Replication.LoadBalancing.LoadBalancingStrategy)9,
        ["MaxReadLag=0"] = o => o.MaxReadLag = TimeSpan.Zero,
        ["MaxReadsInFlightPerNode=0"] = o => o.MaxReadsInFlightPerNode = 0,
        ["BufferedFlushInterval=0"] = o => o.BufferedFlushInterval = TimeSpan.Zero,
        ["BufferedFlushInterval=11min"] = o => o.BufferedFlushInterval = TimeSpan.FromMinutes(11),
        ["SnapshotEveryEntries=0"] = o => o.SnapshotEveryEntries = 0,
        ["DiskNodeReturnGrace=-1s"] = o => o.DiskNodeReturnGrace = TimeSpan.FromSeconds(-1),
    };

    public static TheoryData<string> BadSettingNames => [.. BadSettings.Keys];

    [Fact]
    public void Defaults_AreValid()
    {
        var result = Validate(new ReplicationOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [MemberData(nameof(BadSettingNames))]
    public void ABadSetting_FailsNamingTheOption(string setting)
    {
        var options = new ReplicationOptions();
        BadSettings[setting](options);
        var option = setting.Split('=', '<')[0];

        var result = Validate(options);

        Assert.True(result.Failed, $"{setting} was accepted.");
        var failure = Assert.Single(result.Failures!);
        Assert.Contains($"Replication:{option} ", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxRetainedLogEntries_BelowMinRetainedLogEntries_Fails()
    {
        var options = new ReplicationOptions { MinRetainedLogEntries = 500, MaxRetainedLogEntries = 499 };

        var result = Validate(options);

        Assert.Contains("Replication:MaxRetainedLogEntries", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public void Boundaries_AreValid()
    {
        var low = new ReplicationOptions
        {
            DefaultNodeCount = 1,
            MaxKeyBytes = 1,
            MaxValueBytes = 1,
            MaxBatchEntries = 1,
            MaxInFlightBatches = 1,
            HeartbeatInterval = TimeSpan.FromMilliseconds(10),
            ReplicationCallTimeout = TimeSpan.FromMilliseconds(50),
            MinRetainedLogEntries = 0,
            MaxRetainedLogEntries = 1,
            SnapshotChunkSize = 1,
            MaxDeduplicationEntries = 1,
        };
        var high = new ReplicationOptions
        {
            DefaultNodeCount = 7,
            MaxKeyBytes = 64 * 1024,
            MaxValueBytes = 64 * 1024 * 1024,
            MaxBatchEntries = 100_000,
            MaxInFlightBatches = 64,
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            ReplicationCallTimeout = TimeSpan.FromMinutes(1),
            MinRetainedLogEntries = 5_000,
            MaxRetainedLogEntries = 5_000,
        };

        Assert.True(Validate(low).Succeeded, Validate(low).FailureMessage);
        Assert.True(Validate(high).Succeeded, Validate(high).FailureMessage);
    }

    [Fact]
    public void SeveralBadSettings_AreAllReported()
    {
        var options = new ReplicationOptions
        {
            DefaultNodeCount = 0,
            MaxKeyBytes = 0,
            HeartbeatInterval = TimeSpan.Zero,
        };

        var result = Validate(options);

        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains("Replication:DefaultNodeCount", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Replication:MaxKeyBytes", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Replication:HeartbeatInterval", result.FailureMessage, StringComparison.Ordinal);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(ReplicationOptions options) =>
        new ReplicationOptionsValidator().Validate(null, options);
}
