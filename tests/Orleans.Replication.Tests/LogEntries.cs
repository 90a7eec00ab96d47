using Orleans.Replication.Protocol;
using Orleans.Replication.Storage;

namespace Orleans.Replication.Tests;

/// <summary>Builds log entries for the storage and tracking tests.</summary>
internal static class LogEntries
{
    /// <summary>
    /// A put of <c>"k{index}"</c> whose value is the index's text, so a misplaced entry shows in its content.
    /// </summary>
    public static LogEntry Put(long index, long epoch) => Put(index, epoch, $"k{index}", $"v{index}");

    public static LogEntry Put(long index, long epoch, string key, string value, Guid writeId = default) =>
        new(index, epoch, LogOperation.Put, key, System.Text.Encoding.UTF8.GetBytes(value), writeId, 0);

    public static LogEntry Delete(long index, long epoch, string key, Guid writeId = default) =>
        new(index, epoch, LogOperation.Delete, key, null, writeId, 0);

    public static LogEntry Noop(long index, long epoch) =>
        new(index, epoch, LogOperation.Noop, string.Empty, null, Guid.Empty, 0);

    /// <summary>
    /// The epoch the ring tests give an index: it changes every 50 entries, so epochs are not all alike.
    /// </summary>
    public static long EpochOf(long index) => (index / 50) + 1;

    public static string Text(byte[]? value) => value is null ? "<null>" : System.Text.Encoding.UTF8.GetString(value);

    /// <summary>A log holding puts 1..<paramref name="count"/>, epochs from <see cref="EpochOf"/>.</summary>
    public static ReplicationLog Filled(long count)
    {
        var log = new ReplicationLog();
        for (long i = 1; i <= count; i++)
        {
            log.Append(Put(i, EpochOf(i)));
        }

        return log;
    }

    /// <summary>
    /// Asserts that <paramref name="entry"/> is the put <see cref="Put(long, long)"/> made for
    /// <paramref name="index"/>.
    /// </summary>
    public static void AssertHolds(long index, LogEntry entry, long? epoch = null)
    {
        Assert.Equal(index, entry.Index);
        Assert.Equal(epoch ?? EpochOf(index), entry.Epoch);
        Assert.Equal($"k{index}", entry.Key);
    }
}
