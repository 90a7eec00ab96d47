using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Orleans.Replication.WriteAhead;

/// <summary>Frames records: <c>[length u32][crc32 u32][type u8][body]</c>, little-endian.</summary>
/// <remarks>
/// <c>length</c> counts the body only; the CRC-32 covers the type byte and the body, so a torn or overwritten
/// record, a zeroed page or a length that points into garbage all fail the check. The body of each type:
/// Entry <c>index i64, epoch i64, payload</c>; Vote <c>epoch i64, votedFor i32</c>; Incarnation <c>guid 16</c>;
/// Membership <c>nodeCount i32</c>; Truncation <c>fromIndex i64</c>; CaughtUp <c>guid 16</c>.
/// </remarks>
internal static class RecordCodec
{
    public const int HeaderSize = 9;

    public static void Write(IBufferWriter<byte> output, in LogRecord record)
    {
        int bodyLength = BodyLength(record);
        Span<byte> frame = output.GetSpan(HeaderSize + bodyLength)[..(HeaderSize + bodyLength)];
        Span<byte> body = frame[HeaderSize..];
        switch (record.Type)
        {
            case LogRecordType.Entry:
                BinaryPrimitives.WriteInt64LittleEndian(body, record.Index);
                BinaryPrimitives.WriteInt64LittleEndian(body[8..], record.Epoch);
                record.Payload.Span.CopyTo(body[16..]);
                break;
            case LogRecordType.Vote:
                BinaryPrimitives.WriteInt64LittleEndian(body, record.Epoch);
                BinaryPrimitives.WriteInt32LittleEndian(body[8..], record.VotedFor);
                break;
            case LogRecordType.Incarnation or LogRecordType.CaughtUp:
                record.Incarnation.TryWriteBytes(body);
                break;
            case LogRecordType.Membership:
                BinaryPrimitives.WriteInt32LittleEndian(body, record.NodeCount);
                break;
            case LogRecordType.Truncation:
                BinaryPrimitives.WriteInt64LittleEndian(body, record.Index);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(record), record.Type, "Not a log record type.");
        }

        Seal(frame, record.Type);
        output.Advance(frame.Length);
    }

    /// <summary>Writes the header of a frame whose body is already in place.</summary>
    public static void Seal(Span<byte> frame, LogRecordType type)
    {
        frame[8] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - HeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32.HashToUInt32(frame[8..]));
    }

    /// <summary>
    /// Reads the frame at the start of <paramref name="data"/>: its type and body, or false when it is short,
    /// longer than <paramref name="maxBodyLength"/>, fails its CRC or has an unknown type.
    /// </summary>
    public static bool TryReadFrame(ReadOnlySpan<byte> data, int maxBodyLength, out LogRecordType type,
        out int frameLength)
    {
        type = default;
        frameLength = 0;
        if (data.Length < HeaderSize)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length > (uint)maxBodyLength || length > (uint)(data.Length - HeaderSize))
        {
            return false;
        }

        ReadOnlySpan<byte> covered = data.Slice(8, 1 + (int)length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) != Crc32.HashToUInt32(covered))
        {
            return false;
        }

        type = (LogRecordType)data[8];
        frameLength = HeaderSize + (int)length;
        return type is >= LogRecordType.Entry and <= LogRecordType.CaughtUp && BodyFits(type, (int)length);
    }

    /// <summary>Decodes a log record from a frame <see cref="TryReadFrame"/> accepted.</summary>
    public static LogRecord Decode(LogRecordType type, ReadOnlyMemory<byte> frame)
    {
        ReadOnlySpan<byte> body = frame.Span[HeaderSize..];
        return type switch
        {
            LogRecordType.Entry => LogRecord.ForEntry(BinaryPrimitives.ReadInt64LittleEndian(body),
                BinaryPrimitives.ReadInt64LittleEndian(body[8..]), frame[(HeaderSize + 16)..]),
            LogRecordType.Vote => LogRecord.ForVote(new EpochVote(BinaryPrimitives.ReadInt64LittleEndian(body),
                BinaryPrimitives.ReadInt32LittleEndian(body[8..]))),
            LogRecordType.Incarnation => LogRecord.ForIncarnation(new Guid(body[..16])),
            LogRecordType.CaughtUp => LogRecord.ForCaughtUp(new Guid(body[..16])),
            LogRecordType.Membership => LogRecord.ForMembership(BinaryPrimitives.ReadInt32LittleEndian(body)),
            LogRecordType.Truncation => LogRecord.ForTruncation(BinaryPrimitives.ReadInt64LittleEndian(body)),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a log record type."),
        };
    }

    private static int BodyLength(in LogRecord record) => record.Type switch
    {
        LogRecordType.Entry => 16 + record.Payload.Length,
        LogRecordType.Vote => 12,
        LogRecordType.Incarnation or LogRecordType.CaughtUp => 16,
        LogRecordType.Membership => 4,
        LogRecordType.Truncation => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(record), record.Type, "Not a log record type."),
    };

    private static bool BodyFits(LogRecordType type, int length) => type switch
    {
        LogRecordType.Entry => length >= 16,
        LogRecordType.Vote => length == 12,
        LogRecordType.Incarnation or LogRecordType.CaughtUp => length == 16,
        LogRecordType.Membership => length == 4,
        LogRecordType.Truncation => length == 8,
        _ => length >= SnapshotFile.FixedBodyLength,
    };
}
