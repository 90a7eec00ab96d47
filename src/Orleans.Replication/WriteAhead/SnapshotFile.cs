using System.Buffers.Binary;

namespace Orleans.Replication.WriteAhead;

/// <summary>A snapshot as recovery returns it: the caller's state bytes and the index/epoch they cover.</summary>
internal sealed record DurableSnapshot(long Index, long Epoch, ReadOnlyMemory<byte> State);

/// <summary>A place in the log: a segment's sequence number and a byte offset inside it.</summary>
internal readonly record struct LogPosition(long Segment, long Offset) : IComparable<LogPosition>
{
    public int CompareTo(LogPosition other) =>
        Segment != other.Segment ? Segment.CompareTo(other.Segment) : Offset.CompareTo(other.Offset);
}

/// <summary>The <c>snapshot</c> file: one frame of type <see cref="LogRecordType.Snapshot"/>.</summary>
/// <remarks>
/// Body: <c>index i64, epoch i64, position (segment i64, offset i64), vote flag u8, vote epoch i64, votedFor i32,
/// incarnation flag u8, guid 16, node count flag u8, node count i32, caught-up flag u8, guid 16, state</c>.
/// The position is the end of the log
/// when the snapshot was taken: records before it are covered by the snapshot's metadata (so releasing their
/// segments loses nothing), and entries before it still count unless the snapshot's index covers them.
/// </remarks>
internal static class SnapshotFile
{
    public const string FileName = "snapshot";
    public const string TemporaryFileName = "snapshot.tmp";
    public const int FixedBodyLength = 8 + 8 + 16 + 13 + 17 + 5 + 17;

    public static byte[] Encode(DurableSnapshot snapshot, LogPosition position, LogMetadata metadata)
    {
        var frame = new byte[RecordCodec.HeaderSize + FixedBodyLength + snapshot.State.Length];
        Span<byte> body = frame.AsSpan(RecordCodec.HeaderSize);
        BinaryPrimitives.WriteInt64LittleEndian(body, snapshot.Index);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], snapshot.Epoch);
        BinaryPrimitives.WriteInt64LittleEndian(body[16..], position.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(body[24..], position.Offset);
        body[32] = metadata.Vote is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteInt64LittleEndian(body[33..], metadata.Vote?.Epoch ?? 0);
        BinaryPrimitives.WriteInt32LittleEndian(body[41..], metadata.Vote?.VotedFor ?? 0);
        body[45] = metadata.Incarnation is null ? (byte)0 : (byte)1;
        (metadata.Incarnation ?? Guid.Empty).TryWriteBytes(body[46..]);
        body[62] = metadata.NodeCount is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteInt32LittleEndian(body[63..], metadata.NodeCount ?? 0);
        body[67] = metadata.CaughtUp is null ? (byte)0 : (byte)1;
        (metadata.CaughtUp ?? Guid.Empty).TryWriteBytes(body[68..]);
        snapshot.State.Span.CopyTo(body[FixedBodyLength..]);
        RecordCodec.Seal(frame, LogRecordType.Snapshot);
        return frame;
    }

    /// <summary>Decodes a snapshot file, or returns false when it is torn or fails its CRC.</summary>
    public static bool TryDecode(byte[] file, out DurableSnapshot snapshot, out LogPosition position,
        out LogMetadata metadata)
    {
        snapshot = null!;
        position = default;
        metadata = LogMetadata.Empty;
        if (!RecordCodec.TryReadFrame(file, int.MaxValue, out LogRecordType type, out int length)
            || type != LogRecordType.Snapshot || length != file.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> body = file.AsSpan(RecordCodec.HeaderSize);
        snapshot = new DurableSnapshot(BinaryPrimitives.ReadInt64LittleEndian(body),
            BinaryPrimitives.ReadInt64LittleEndian(body[8..]),
            file.AsMemory(RecordCodec.HeaderSize + FixedBodyLength));
        position = new LogPosition(BinaryPrimitives.ReadInt64LittleEndian(body[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[24..]));
        metadata = new LogMetadata(
            body[32] == 0 ? null : new EpochVote(BinaryPrimitives.ReadInt64LittleEndian(body[33..]),
                BinaryPrimitives.ReadInt32LittleEndian(body[41..])),
            body[45] == 0 ? null : new Guid(body.Slice(46, 16)),
            body[62] == 0 ? null : BinaryPrimitives.ReadInt32LittleEndian(body[63..]),
            body[67] == 0 ? null : new Guid(body.Slice(68, 16)));
        return true;
    }
}
