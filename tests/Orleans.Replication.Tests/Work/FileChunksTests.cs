using System.Text;
using Orleans.Replication.Client;
using Orleans.Replication.Work;

namespace Orleans.Replication.Tests.Work;

public sealed class FileChunksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chunks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(4096)]
    public async Task ChunksAreCutAtWhiteSpaceAndCountLikeTheWholeFile(int chunkBytes)
    {
        var text = string.Concat(
            Enumerable
                .Range(0, 500)
                .Select(i => (i % 7 == 0 ? "\n\n" : " ") + "wörd" + (i % 13) + (i % 5 == 0 ? "\tПривет" : ""))
        );
        var path = Write("t.txt", text);
        var chunks = new List<byte[]>();
        await foreach (var c in FileChunks.ReadAsync([path], chunkBytes, 1 << 16))
        {
            chunks.Add(c.ToArray());
        }

        Assert.Equal(Encoding.UTF8.GetBytes(text), chunks.SelectMany(c => c).ToArray());
        Assert.All(chunks.SkipLast(1), c => Assert.Contains(c[^1], " \n\t"u8.ToArray()));
        var merged = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in chunks)
        {
            WordCounting.CountInto(c, merged);
        }

        Assert.Equal(WordCounting.Count(Encoding.UTF8.GetBytes(text)).OrderBy(p => p.Key), merged.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task ALeadingByteOrderMarkIsSkipped()
    {
        var path = Path.Combine(_dir, "bom.txt");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "a b"u8]);
        var chunks = new List<byte[]>();
        await foreach (var c in FileChunks.ReadAsync([path], 1024, 1024))
        {
            chunks.Add(c.ToArray());
        }

        Assert.Equal("a b"u8.ToArray(), Assert.Single(chunks));
    }

    [Fact]
    public async Task AWordLongerThanTheLargestChunkIsAClearError()
    {
        var path = Write("long.txt", "a " + new string('x', 300) + " b");
        var e = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var c in FileChunks.ReadAsync([path], 16, 128))
            {
                Assert.InRange(c.Length, 1, 128);
            }
        });
        Assert.Contains("without white space", e.Message);
    }

    [Fact]
    public void MissingAndEmptyFilesAreRefused()
    {
        Assert.Contains(
            "is empty",
            Assert.Throws<ArgumentException>(() => FileChunks.Validate([Write("e.txt", "")])).Message
        );
        Assert.Contains(
            "does not exist",
            Assert.Throws<ArgumentException>(() => FileChunks.Validate([Path.Combine(_dir, "none")])).Message
        );
        Assert.Throws<ArgumentException>(() => FileChunks.Validate([]));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }
}
