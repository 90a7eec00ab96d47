using System.Runtime.CompilerServices;

namespace Orleans.Replication.Client;

/// <summary>
/// Streams text files in chunks cut at ASCII white space, so that no word and no UTF-8 character is split.
/// </summary>
public static class FileChunks
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Throws <see cref="ArgumentException"/> unless every file exists and is not empty.</summary>
    public static void Validate(IReadOnlyList<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            throw new ArgumentException("No input files.", nameof(files));
        }

        foreach (var f in files)
        {
            var info = new FileInfo(f);
            if (!info.Exists)
            {
                throw new ArgumentException($"The file '{f}' does not exist.", nameof(files));
            }

            if (info.Length == 0)
            {
                throw new ArgumentException($"The file '{f}' is empty.", nameof(files));
            }
        }
    }

    /// <summary>The chunks of <paramref name="files"/>, each at most <paramref name="maxChunkBytes"/> long (a file
    /// boundary also ends a chunk).</summary>
    /// <exception cref="ArgumentException">A file holds more than
    /// <paramref name="maxChunkBytes"/> bytes without ASCII white space.</exception>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(
        IReadOnlyList<string> files,
        int chunkBytes,
        int maxChunkBytes,
        [EnumeratorCancellation] CancellationToken cancellationToken = default
    )
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkBytes, chunkBytes);
        foreach (var path in files)
        {
            await using var stream = new FileStream(
                path,
                FileMode.Open,
                FileAccess.Read,
                FileShare.Read,
                1 << 16,
                useAsync: true
            );
            var buffer = new byte[chunkBytes];
            var filled = 0;
            var first = true;
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                filled += read;
                if (first && filled >= 3 && buffer.AsSpan(0, 3).SequenceEqual(Utf8Bom))
                {
                    buffer.AsSpan(3, filled - 3).CopyTo(buffer);
                    filled -= 3;
                }

                first = false;
                if (read == 0)
                {
                    if (filled > 0)
                    {
                        yield return buffer.AsMemory(0, filled);
                    }

                    break;
                }

                if (filled < buffer.Length)
                {
                    continue;
                }

                var cut = LastAsciiSpace(buffer.AsSpan(0, filled));
                if (cut < 0)
                {
                    if (buffer.Length >= maxChunkBytes)
                    {
                        throw new ArgumentException(
                            $"The file '{path}' has more than {maxChunkBytes} bytes without white space; a chunk " +
                            "cannot be cut there.",
                            nameof(files)
                        );
                    }

                    Array.Resize(ref buffer, (int)Math.Min(maxChunkBytes, buffer.Length * 2L));
                    continue;
                }

                // The chunk keeps the old buffer (the caller may hold it while the chunk is out); the rest moves to a
                // new one.
                var chunk = buffer.AsMemory(0, cut + 1);
                var rest = filled - (cut + 1);
                var next = new byte[Math.Max(chunkBytes, Math.Min(maxChunkBytes, rest + chunkBytes))];
                buffer.AsSpan(cut + 1, rest).CopyTo(next);
                buffer = next;
                filled = rest;
                yield return chunk;
            }
        }
    }

    private static int LastAsciiSpace(ReadOnlySpan<byte> data) => data.LastIndexOfAny(" \n\r\t\v\f"u8);
}
