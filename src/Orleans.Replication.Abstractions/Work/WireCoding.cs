using System.Text;

namespace Orleans.Replication.Work;

/// <summary>
/// Appends length-prefixed values to a buffer: the compact encoding of MapReduce payloads and partial results.
/// </summary>
public sealed class WireWriter
{
    private readonly MemoryStream _stream;
    private readonly BinaryWriter _writer;

    /// <summary>Creates an empty writer.</summary>
    public WireWriter(int capacity = 256)
    {
        _stream = new MemoryStream(capacity);
        _writer = new BinaryWriter(_stream, Encoding.UTF8);
    }

    /// <summary>Bytes written so far.</summary>
    public long Length => _stream.Length;

    /// <summary>Writes a non-negative count.</summary>
    public void WriteCount(int count) => _writer.Write7BitEncodedInt(count);

    /// <summary>Writes a number.</summary>
    public void WriteInt64(long value) => _writer.Write7BitEncodedInt64(value);

    /// <summary>Writes a string (UTF-8, length-prefixed).</summary>
    public void WriteString(string value) => _writer.Write(value);

    /// <summary>Writes a length-prefixed block of bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        _writer.Write7BitEncodedInt(value.Length);
        _writer.Write(value);
    }

    /// <summary>Writes bytes as they are (the rest of a payload).</summary>
    public void WriteRaw(ReadOnlySpan<byte> value) => _writer.Write(value);

    /// <summary>The bytes written.</summary>
    public byte[] ToArray()
    {
        _writer.Flush();
        return _stream.ToArray();
    }
}

/// <summary>
/// Reads what <see cref="WireWriter"/> wrote; throws <see cref="EndOfStreamException"/> or
/// <see cref="FormatException"/> on bad bytes.
/// </summary>
public sealed class WireReader(ReadOnlyMemory<byte> data)
{
    private int _position;

    /// <summary>Whether every byte was read.</summary>
    public bool AtEnd => _position == data.Length;

    /// <summary>Reads a non-negative count.</summary>
    public int ReadCount()
    {
        var value = ReadInt64();
        return value is >= 0 and <= int.MaxValue ? (int)value : throw new FormatException($"Bad count {value}.");
    }

    /// <summary>Reads a number.</summary>
    public long ReadInt64()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = Next();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)result;
            }
        }

        throw new FormatException("Bad 7-bit encoded number.");
    }

    /// <summary>Reads a string.</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadBlock().Span);

    /// <summary>Reads a length-prefixed block of bytes, without copying.</summary>
    public ReadOnlyMemory<byte> ReadBlock()
    {
        var length = ReadCount();
        if (length > data.Length - _position)
        {
            throw new EndOfStreamException($"A block of {length} bytes runs past the end.");
        }

        var block = data.Slice(_position, length);
        _position += length;
        return block;
    }

    /// <summary>The bytes not read yet, without copying.</summary>
    public ReadOnlyMemory<byte> Rest()
    {
        var rest = data[_position..];
        _position = data.Length;
        return rest;
    }

    private byte Next() =>
        _position < data.Length ? data.Span[_position++] : throw new EndOfStreamException("Unexpected end of data.");
}
