using System.Text;
using Orleans.Replication.Protocol;
using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

/// <summary>The node's entries and snapshot state as its write-ahead log holds them.</summary>
public sealed class NodeRecordsTests
{
    [Theory]
    [InlineData(LogOperation.Put, "k", "value")]
    [InlineData(LogOperation.Put, "ключ-🔑", "")]
    [InlineData(LogOperation.Delete, "gone", null)]
    [InlineData(LogOperation.Noop, "", null)]
    public void AnEntryComesBackAsItWasWritten(LogOperation operation, string key, string? value)
    {
        var entry = new LogEntry(42, 7, operation, key, value is null ? null : Encoding.UTF8.GetBytes(value),
            Guid.NewGuid(), 638_000_000_000_000_000);

        var back = NodeRecords.DecodeEntry(42, 7, NodeRecords.EncodeEntry(entry));

        Assert.Equal(entry with { Value = null }, back with { Value = null });
        Assert.Equal(entry.Value, back.Value);
    }

    [Fact]
    public void ATruncatedOrPaddedEntryIsRefused()
    {
        var bytes = NodeRecords.EncodeEntry(
            new LogEntry(1, 1, LogOperation.Put, "key", [1, 2, 3], Guid.NewGuid(), 0));

        Assert.Throws<FormatException>(() => NodeRecords.DecodeEntry(1, 1, bytes.AsSpan(0, bytes.Length - 1)));
        Assert.Throws<FormatException>(() => NodeRecords.DecodeEntry(1, 1, [.. bytes, 0]));
        bytes[0] = 99;
        Assert.Throws<FormatException>(() => NodeRecords.DecodeEntry(1, 1, bytes));
    }

    [Fact]
    public void ASnapshotStateComesBackWithEveryKeyAndWriteId()
    {
        var items = Enumerable.Range(0, 500)
            .Select(i => new SnapshotItem($"k{i}", Encoding.UTF8.GetBytes(new string('x', i % 17)), i + 1))
            .ToArray();
        var ids = Enumerable.Range(0, 300).Select(i => new WriteIdRecord(Guid.NewGuid(), i + 1, 1000 + i)).ToArray();

        var back = NodeRecords.DecodeSnapshot(NodeRecords.EncodeSnapshot(new NodeSnapshotState(items, ids)));

        Assert.Equal(items.Select(i => (i.Key, Convert.ToHexString(i.Value), i.Version)),
            back.Items.Select(i => (i.Key, Convert.ToHexString(i.Value), i.Version)));
        Assert.Equal(ids, back.WriteIds);
    }

    [Fact]
    public void ADamagedSnapshotStateIsRefused()
    {
        var bytes = NodeRecords.EncodeSnapshot(new NodeSnapshotState(
            [new SnapshotItem("a", [1], 1)], [new WriteIdRecord(Guid.NewGuid(), 1, 1)]));

        Assert.Throws<FormatException>(() => NodeRecords.DecodeSnapshot(bytes.AsSpan(0, bytes.Length - 3)));
        var wrongVersion = bytes.ToArray();
        wrongVersion[0] = 2;
        Assert.Throws<FormatException>(() => NodeRecords.DecodeSnapshot(wrongVersion));
        var hugeCount = bytes.ToArray();
        BitConverter.TryWriteBytes(hugeCount.AsSpan(1), int.MaxValue);
        Assert.Throws<FormatException>(() => NodeRecords.DecodeSnapshot(hugeCount));
    }
}
