using Microsoft.Extensions.Options;

namespace Orleans.Replication.Options;

/// <summary>Stops the silo at start-up when <see cref="ReplicationOptions"/> are invalid, naming the option.</summary>
internal sealed class ReplicationOptionsValidator : IValidateOptions<ReplicationOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplicationOptions o)
    {
        var errors = new List<string>();

        void Check(bool ok, string option, object value, string rule)
        {
            if (!ok)
            {
                errors.Add($"Replication:{option} is {value}; it must be {rule}.");
            }
        }

        Check(
            o.DefaultNodeCount is >= ReplicationLimits.MinNodeCount and <= ReplicationLimits.MaxNodeCount,
            nameof(o.DefaultNodeCount),
            o.DefaultNodeCount,
            $"between {ReplicationLimits.MinNodeCount} and {ReplicationLimits.MaxNodeCount}"
        );
        Check(o.MaxKeyBytes is >= 1 and <= 64 * 1024, nameof(o.MaxKeyBytes), o.MaxKeyBytes, "between 1 and 65536");
        Check(
            o.MaxValueBytes is >= 1 and <= 64 * 1024 * 1024,
            nameof(o.MaxValueBytes),
            o.MaxValueBytes,
            "between 1 and 67108864"
        );
        Check(
            o.MaxBatchEntries is >= 1 and <= 100_000,
            nameof(o.MaxBatchEntries),
            o.MaxBatchEntries,
            "between 1 and 100000"
        );
        Check(
            o.MaxInFlightBatches is >= 1 and <= 64,
            nameof(o.MaxInFlightBatches),
            o.MaxInFlightBatches,
            "between 1 and 64"
        );
        Check(
            o.HeartbeatInterval >= TimeSpan.FromMilliseconds(10) && o.HeartbeatInterval <= TimeSpan.FromSeconds(1),
            nameof(o.HeartbeatInterval),
            o.HeartbeatInterval,
            "between 10 ms and 1 s"
        );
        Check(
            o.ReplicationCallTimeout >= TimeSpan.FromMilliseconds(50)
                && o.ReplicationCallTimeout <= TimeSpan.FromMinutes(1),
            nameof(o.ReplicationCallTimeout),
            o.ReplicationCallTimeout,
            "between 50 ms and 1 min"
        );
        Check(o.MaxWriteTimeout > TimeSpan.Zero, nameof(o.MaxWriteTimeout), o.MaxWriteTimeout, "positive");
        Check(o.MinRetainedLogEntries >= 0, nameof(o.MinRetainedLogEntries), o.MinRetainedLogEntries, "zero or more");
        Check(
            o.MaxRetainedLogEntries >= Math.Max(1, o.MinRetainedLogEntries),
            nameof(o.MaxRetainedLogEntries),
            o.MaxRetainedLogEntries,
            $"at least MinRetainedLogEntries ({o.MinRetainedLogEntries}) and at least 1"
        );
        Check(o.SnapshotChunkSize >= 1, nameof(o.SnapshotChunkSize), o.SnapshotChunkSize, "at least 1");
        Check(o.DeduplicationWindow > TimeSpan.Zero, nameof(o.DeduplicationWindow), o.DeduplicationWindow, "positive");
        Check(
            o.MaxDeduplicationEntries >= 1,
            nameof(o.MaxDeduplicationEntries),
            o.MaxDeduplicationEntries,
            "at least 1"
        );
        Check(
            o.PrimaryCheckInterval >= TimeSpan.FromMilliseconds(10)
                && o.PrimaryCheckInterval <= TimeSpan.FromMinutes(1),
            nameof(o.PrimaryCheckInterval),
            o.PrimaryCheckInterval,
            "between 10 ms and 1 min"
        );
        Check(
            o.PrimaryCheckTimeout >= TimeSpan.FromMilliseconds(10) && o.PrimaryCheckTimeout <= TimeSpan.FromMinutes(1),
            nameof(o.PrimaryCheckTimeout),
            o.PrimaryCheckTimeout,
            "between 10 ms and 1 min"
        );
        Check(
            o.PrimaryCheckFailures is >= 1 and <= 100,
            nameof(o.PrimaryCheckFailures),
            o.PrimaryCheckFailures,
            "between 1 and 100"
        );
        Check(o.MaxHealthyLag > TimeSpan.Zero, nameof(o.MaxHealthyLag), o.MaxHealthyLag, "positive");
        Check(
            Enum.IsDefined(o.ReadStrategy),
            nameof(o.ReadStrategy),
            o.ReadStrategy,
            "one of " + string.Join(", ", LoadBalancing.LoadBalancingStrategies.All)
        );
        Check(o.MaxReadLag > TimeSpan.Zero, nameof(o.MaxReadLag), o.MaxReadLag, "positive");
        Check(
            o.DataDirectory is null || !string.IsNullOrWhiteSpace(o.DataDirectory),
            nameof(o.DataDirectory),
            o.DataDirectory ?? "",
            "a path, or null for memory only"
        );
        Check(
            o.Durability is null || Enum.IsDefined(o.Durability.Value),
            nameof(o.Durability),
            o.Durability ?? Replication.Durability.Memory,
            "Disk, Buffered or Memory"
        );
        Check(
            o.DataDirectory is not null || o.Durability is null or Replication.Durability.Memory,
            nameof(o.Durability),
            o.Durability ?? Replication.Durability.Memory,
            "Memory without a DataDirectory (a silo without one keeps nodes in memory only)"
        );
        Check(
            o.DiskNodeReturnGrace >= TimeSpan.Zero,
            nameof(o.DiskNodeReturnGrace),
            o.DiskNodeReturnGrace,
            "zero or more"
        );
        Check(
            o.BufferedFlushInterval > TimeSpan.Zero && o.BufferedFlushInterval <= TimeSpan.FromMinutes(10),
            nameof(o.BufferedFlushInterval),
            o.BufferedFlushInterval,
            "positive and at most 10 minutes"
        );
        Check(o.SnapshotEveryEntries >= 1, nameof(o.SnapshotEveryEntries), o.SnapshotEveryEntries, "at least 1");
        Check(
            o.MaxReadsInFlightPerNode >= 1,
            nameof(o.MaxReadsInFlightPerNode),
            o.MaxReadsInFlightPerNode,
            "at least 1"
        );

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
