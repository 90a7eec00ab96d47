using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.WriteAhead;

/// <summary>A node's state as a snapshot on disk holds it: the applied keys and the write ids it remembers.</summary>
internal sealed record NodeSnapshotState(SnapshotItem[] Items, WriteIdRecord[] WriteIds);

/// <summary>What a node writes into its log's opaque payloads: log entries and snapshot state.</summary>
/// <remarks>
/// Little-endian throughout. An entry: <c>operation u8, write id 16, created ticks i64, key length i32, key
/// UTF-8, value length i32 (−1: null), value</c> (its index and epoch are in the record around it). A snapshot's
/// state: <c>version u8 (1), key count i32, then per key: key length i32, key, value length i32, value, version
/// i64; write id count i32, then per id: guid 16, index i64, ticks i64</c>. The log's CRC covers the bytes;
/// a payload that does not decode is reported as <see cref="FormatException"/>.
/// </remarks>
internal static class NodeRecords
{
    private const byte SnapshotVersion = 1;

    public static byte[] EncodeEntry(LogEntry entry)
    {
        var output = new ArrayBufferWriter<byte>();
        EncodeEntry(entry, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Writes an entry's payload to <paramref name="output"/>.</summary>
    public static void EncodeEntry(LogEntry entry, IBufferWriter<byte> output)
    {
        var keyLength = Encoding.UTF8.GetByteCount(entry.Key);
        var value = entry.Value;
        var length = 1 + 16 + 8 + 4 + keyLength + 4 + (value?.Length ?? 0);
        var span = output.GetSpan(length)[..length];
        span[0] = (byte)entry.Operation;
        entry.WriteId.TryWriteBytes(span[1..]);
        BinaryPrimitives.WriteInt64LittleEndian(span[17..], entry.CreatedTicks);
        BinaryPrimitives.WriteInt32LittleEndian(span[25..], keyLength);
        Encoding.UTF8.GetBytes(entry.Key, span.Slice(29, keyLength));
        var at = 29 + keyLength;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], value?.Length ?? -1);
        value?.CopyTo(span[(at + 4)..]);
        output.Advance(length);
    }

    public static LogEntry DecodeEntry(long index, long epoch, ReadOnlySpan<byte> payload)
    {
        var reader = new Reader(payload);
        var operation = (LogOperation)reader.Byte();
        if (!Enum.IsDefined(operation))
        {
            throw new FormatException($"Entry {index} has an unknown operation {(byte)operation}.");
        }

        var writeId = reader.Guid();
        var created = reader.Int64();
        var key = reader.String();
        var value = reader.NullableBytes();
        reader.End($"entry {index}");
        return new LogEntry(index, epoch, operation, key, value, writeId, created);
    }

    public static byte[] EncodeSnapshot(NodeSnapshotState state)
    {
        var output = new ArrayBufferWriter<byte>(64 + state.Items.Length * 48 + state.WriteIds.Length * 32);
        Write(output, SnapshotVersion);
        WriteInt32(output, state.Items.Length);
        foreach (var item in state.Items)
        {
            WriteString(output, item.Key);
            WriteInt32(output, item.Value.Length);
            output.Write(item.Value);
            WriteInt64(output, item.Version);
        }

        WriteInt32(output, state.WriteIds.Length);
        foreach (var id in state.WriteIds)
        {
            id.WriteId.TryWriteBytes(output.GetSpan(16));
            output.Advance(16);
            WriteInt64(output, id.Index);
            WriteInt64(output, id.Ticks);
        }

        return output.WrittenSpan.ToArray();
    }

    public static NodeSnapshotState DecodeSnapshot(ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader(bytes);
        if (reader.Byte() is var version && version != SnapshotVersion)
        {
            throw new FormatException(
                $"The snapshot's state has version {version}; this node reads {SnapshotVersion}.");
        }

        var items = new SnapshotItem[reader.Count(12)];
        for (var i = 0; i < items.Length; i++)
        {
            var key = reader.String();
            var value = reader.NullableBytes() ?? throw new FormatException($"Key '{key}' has no value.");
            items[i] = new SnapshotItem(key, value, reader.Int64());
        }

        var ids = new WriteIdRecord[reader.Count(32)];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = new WriteIdRecord(reader.Guid(), reader.Int64(), reader.Int64());
        }

        reader.End("the snapshot's state");
        return new NodeSnapshotState(items, ids);
    }

    private static void Write(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void WriteInt32(IBufferWriter<byte> output, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(4), value);
        output.Advance(4);
    }

    private static void WriteInt64(IBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void WriteString(IBufferWriter<byte> output, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteInt32(output, length);
        Encoding.UTF8.GetBytes(text, output.GetSpan(length));
        output.Advance(length);
    }

    /// <summary>Reads the fields back, failing with <see cref="FormatException"/> rather than past the end.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public byte Byte() => Take(1)[0];

        public Guid Guid() => new(Take(16));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        /// <summary>A count of items each at least <paramref name="minSize"/> bytes long that must fit.</summary>
        public int Count(int minSize)
        {
            var count = Int32();
            return count >= 0 && (long)count * minSize <= _data.Length - _at
                ? count
                : throw new FormatException($"A count of {count} does not fit the {_data.Length} bytes.");
        }

        public string String()
        {
            var length = Int32();
            return length >= 0
                ? Encoding.UTF8.GetString(Take(length))
                : throw new FormatException("A negative length.");
        }

        public byte[]? NullableBytes()
        {
            var length = Int32();
            return length == -1 ? null
                : length >= 0 ? Take(length).ToArray()
                : throw new FormatException($"A length of {length}.");
        }

        public readonly void End(string what)
        {
            if (_at != _data.Length)
            {
                throw new FormatException($"{_data.Length - _at} bytes left over after {what}.");
            }
        }

        private ReadOnlySpan<byte> Take(int length)
        {
            if (length > _data.Length - _at)
            {
                throw new FormatException($"The data ends {length - (_data.Length - _at)} bytes short.");
            }

            var taken = _data.Slice(_at, length);
            _at += length;
            return taken;
        }
    }
}
