using System.Buffers;
using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public class DurableLogRecordTests
{
    [Fact]
    public void EveryRecordTypeRoundTripsThroughTheCodec()
    {
        LogRecord[] records =
        [
            LogRecord.ForEntry(42, 3, new byte[] { 1, 2, 3, 4 }),
            LogRecord.ForEntry(43, 3, ReadOnlyMemory<byte>.Empty),
            LogRecord.ForVote(new EpochVote(7, 2)),
            LogRecord.ForVote(new EpochVote(8, EpochVote.NoVote)),
            LogRecord.ForIncarnation(Guid.NewGuid()),
            LogRecord.ForMembership(5),
            LogRecord.ForTruncation(40),
        ];
        var buffer = new ArrayBufferWriter<byte>();
        foreach (LogRecord record in records)
        {
            RecordCodec.Write(buffer, record);
        }

        ReadOnlyMemory<byte> bytes = buffer.WrittenMemory;
        int offset = 0;
        foreach (LogRecord expected in records)
        {
            Assert.True(RecordCodec.TryReadFrame(bytes.Span[offset..], 1024, out LogRecordType type, out int length),
                $"record {expected.Type} at {offset} did not read back");
            LogRecord actual = RecordCodec.Decode(type, bytes.Slice(offset, length));
            Assert.Equal(expected with { Payload = default }, actual with { Payload = default });
            Assert.Equal(expected.Payload.ToArray(), actual.Payload.ToArray());
            offset += length;
        }

        Assert.Equal(bytes.Length, offset);
    }

    [Fact]
    public void AFlippedBitFailsTheChecksum()
    {
        var buffer = new ArrayBufferWriter<byte>();
        RecordCodec.Write(buffer, LogRecord.ForEntry(1, 1, new byte[] { 9, 9, 9 }));
        byte[] bytes = buffer.WrittenSpan.ToArray();
        for (int i = 0; i < bytes.Length; i++)
        {
            byte[] damaged = [.. bytes];
            damaged[i] ^= 0x10;
            Assert.False(RecordCodec.TryReadFrame(damaged, 1024, out _, out _), $"a flipped bit at byte {i} passed");
        }
    }

    [Fact]
    public void SegmentNamesSortBySequenceAndParseBack()
    {
        string name = SegmentName.Format(3, 120);
        Assert.Equal("0000000000000003-00000000000000000120.log", name);
        Assert.True(SegmentName.TryParse(name, out long sequence));
        Assert.Equal(3, sequence);
        Assert.False(SegmentName.TryParse("snapshot", out _));
        Assert.False(SegmentName.TryParse("0000000000000003-0000000000000000012x.log", out _));
    }

    [Fact]
    public async Task EveryRecordTypeSurvivesAPowerCutOnceAcknowledged()
    {
        await using LogHarness harness = await LogHarness.OpenAsync();
        var incarnation = Guid.NewGuid();
        await harness.Log.AppendIncarnationAsync(incarnation);
        await harness.Log.AppendMembershipAsync(3);
        await harness.Log.AppendVoteAsync(4, 1);
        for (long i = 1; i <= 10; i++)
        {
            await harness.Log.AppendEntryAsync(i, 4, LogHarness.Payload(i));
        }

        await harness.Log.AppendTruncationAsync(8);
        await harness.Log.AppendEntryAsync(8, 5, LogHarness.Payload(80));
        await harness.Log.AppendVoteAsync(5, EpochVote.NoVote);

        harness.Files.CutPower(new Random(1), tear: false);
        await harness.RestartAsync();

        RecoveredLog recovered = harness.Recovered;
        Assert.Null(recovered.Snapshot);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], LogHarness.Indexes(recovered));
        Assert.Equal(5, recovered.Entries[^1].Epoch);
        Assert.Equal(LogHarness.Payload(80), recovered.Entries[^1].Payload.ToArray());
        Assert.Equal(LogHarness.Payload(5), recovered.Entries[4].Payload.ToArray());
        Assert.Equal(new LogMetadata(new EpochVote(5, EpochVote.NoVote), incarnation, 3), recovered.Metadata);
        Assert.Equal(0, recovered.TrimmedBytes);
        Assert.Equal(8, harness.Log.LastIndex);
    }

    [Fact]
    public async Task EntryIndexesMustGrowUnlessTruncated()
    {
        await using LogHarness harness = await LogHarness.OpenAsync();
        await harness.Log.AppendEntryAsync(5, 1, new byte[] { 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => harness.Log.AppendEntryAsync(5, 1, new byte[] { 1 }));
        await harness.Log.AppendTruncationAsync(5);
        await harness.Log.AppendEntryAsync(5, 2, new byte[] { 2 });
        Assert.Equal(5, harness.Log.LastIndex);
    }

    [Fact]
    public async Task ADirectoryIsOpenedByOneLogAtATime()
    {
        await using LogHarness harness = await LogHarness.OpenAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(
            () => harness.Writer.OpenAsync(LogHarness.Directory + "/", new DurableLogOptions()));
        Assert.Throws<InvalidOperationException>(() => harness.Writer.SetAside(LogHarness.Directory));
        await harness.Log.DisposeAsync();
        (DurableLog again, _) = await harness.Writer.OpenAsync(LogHarness.Directory, new DurableLogOptions());
        await again.AppendEntryAsync(1, 1, new byte[] { 1 });
    }
}
