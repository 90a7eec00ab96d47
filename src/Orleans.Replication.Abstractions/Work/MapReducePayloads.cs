namespace Orleans.Replication.Work;

/// <summary>The built-in task handlers that run MapReduce steps, and the encoding of their payloads.</summary>
/// <remarks>
/// A map task's payload is the mapper's name and one chunk of input; its result is the mapper's partial output, already
/// combined within the chunk. A reduce task's payload is the reducer's name and several partial outputs; its result is
/// one partial output of the same form, so reduce tasks can combine the outputs of one responder, then all of them.
/// </remarks>
public static class MapReducePayloads
{
    /// <summary>The handler that runs a mapper on one chunk.</summary>
    public const string MapHandler = "mapreduce.map";

    /// <summary>The handler that runs a reducer over partial outputs.</summary>
    public const string ReduceHandler = "mapreduce.reduce";

    /// <summary>Bytes a map payload adds to its chunk, at most (the name and its length).</summary>
    public const int MapOverheadBytes = WorkLimits.MaxNameLength * 4 + 8;

    /// <summary>The payload of a map task.</summary>
    public static byte[] EncodeMap(string mapper, ReadOnlySpan<byte> chunk)
    {
        var writer = new WireWriter(chunk.Length + mapper.Length + 8);
        writer.WriteString(mapper);
        writer.WriteRaw(chunk);
        return writer.ToArray();
    }

    /// <summary>Splits a map task's payload.</summary>
    /// <exception cref="FormatException">The payload is not a map payload.</exception>
    public static (string Mapper, ReadOnlyMemory<byte> Chunk) DecodeMap(ReadOnlyMemory<byte> payload)
    {
        try
        {
            var reader = new WireReader(payload);
            var name = reader.ReadString();
            return (name, reader.Rest());
        }
        catch (EndOfStreamException e)
        {
            throw new FormatException("Not a map payload: " + e.Message, e);
        }
    }

    /// <summary>The payload of a reduce task.</summary>
    public static byte[] EncodeReduce(string reducer, IReadOnlyList<byte[]> partials)
    {
        ArgumentNullException.ThrowIfNull(partials);
        var writer = new WireWriter(partials.Sum(p => p.Length + 5) + reducer.Length + 8);
        writer.WriteString(reducer);
        writer.WriteCount(partials.Count);
        foreach (var p in partials)
        {
            writer.WriteBytes(p);
        }

        return writer.ToArray();
    }

    /// <summary>Bytes a reduce payload of <paramref name="partials"/> takes.</summary>
    public static long ReduceSize(string reducer, IEnumerable<byte[]> partials) =>
        reducer.Length * 4 + 16 + partials.Sum(p => p.Length + 5L);

    /// <summary>Splits a reduce task's payload.</summary>
    /// <exception cref="FormatException">The payload is not a reduce payload.</exception>
    public static (string Reducer, IReadOnlyList<ReadOnlyMemory<byte>> Partials) DecodeReduce(
        ReadOnlyMemory<byte> payload
    )
    {
        try
        {
            var reader = new WireReader(payload);
            var name = reader.ReadString();
            var count = reader.ReadCount();
            var partials = new List<ReadOnlyMemory<byte>>(Math.Min(count, 1024));
            for (var i = 0; i < count; i++)
            {
                partials.Add(reader.ReadBlock());
            }

            return reader.AtEnd
                ? (name, partials)
                : throw new FormatException("Trailing bytes after the partial outputs.");
        }
        catch (EndOfStreamException e)
        {
            throw new FormatException("Not a reduce payload: " + e.Message, e);
        }
    }
}
