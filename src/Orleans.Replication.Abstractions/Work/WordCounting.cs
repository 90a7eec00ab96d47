using System.Buffers;
using System.Text;

namespace Orleans.Replication.Work;

/// <summary>The built-in word count: lower-case (invariant), split on white space, count each word.</summary>
/// <remarks>
/// Text is UTF-8; a word is a maximal run of characters that are not <see cref="char.IsWhiteSpace(char)"/>, lower-cased
/// with <see cref="string.ToLowerInvariant"/>. Counting a text split at ASCII white space gives the same counts as
/// counting it whole, which is what lets MapReduce split it. Partial counts travel as <see cref="Serialize"/> bytes.
/// </remarks>
public static class WordCounting
{
    /// <summary>The name of the built-in mapper and reducer.</summary>
    public const string Name = "wordcount";

    /// <summary>Adds the words of <paramref name="utf8"/> to <paramref name="counts"/>.</summary>
    public static void CountInto(ReadOnlySpan<byte> utf8, Dictionary<string, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (utf8.IsEmpty)
        {
            return;
        }

        var buffer = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        var lower = ArrayPool<char>.Shared.Rent(buffer.Length);
        try
        {
            var length = Encoding.UTF8.GetChars(utf8, buffer);
            var text = lower.AsSpan(0, length);
            buffer.AsSpan(0, length).ToLowerInvariant(text);
            var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
            var start = -1;
            for (var i = 0; i <= text.Length; i++)
            {
                if (i == text.Length || char.IsWhiteSpace(text[i]))
                {
                    if (start >= 0)
                    {
                        var word = text[start..i];
                        lookup[word] = lookup.TryGetValue(word, out var n) ? n + 1 : 1;
                        start = -1;
                    }
                }
                else if (start < 0)
                {
                    start = i;
                }
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(lower);
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>Adds the partial counts <paramref name="partial"/> (made by <see cref="Serialize"/>) to
    /// <paramref name="counts"/>.</summary>
    /// <exception cref="FormatException">The bytes are not partial counts.</exception>
    public static void MergeInto(ReadOnlyMemory<byte> partial, Dictionary<string, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        try
        {
            var reader = new WireReader(partial);
            var entries = reader.ReadCount();
            for (var i = 0; i < entries; i++)
            {
                var word = reader.ReadString();
                var n = reader.ReadInt64();
                counts[word] = counts.TryGetValue(word, out var had) ? had + n : n;
            }

            if (!reader.AtEnd)
            {
                throw new FormatException("Trailing bytes after the word counts.");
            }
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or DecoderFallbackException)
        {
            throw new FormatException("The bytes are not word counts: " + e.Message, e);
        }
    }

    /// <summary>The counts as bytes, for a task result.</summary>
    public static byte[] Serialize(IReadOnlyDictionary<string, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var writer = new WireWriter();
        writer.WriteCount(counts.Count);
        foreach (var (word, n) in counts)
        {
            writer.WriteString(word);
            writer.WriteInt64(n);
        }

        return writer.ToArray();
    }

    /// <summary>Counts a whole text in one pass: the single-process reference.</summary>
    public static Dictionary<string, long> Count(ReadOnlySpan<byte> utf8)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        CountInto(utf8, counts);
        return counts;
    }
}
