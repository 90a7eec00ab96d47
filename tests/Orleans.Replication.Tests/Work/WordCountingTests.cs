using System.Text;
using Orleans.Replication.Work;

namespace Orleans.Replication.Tests.Work;

public sealed class WordCountingTests
{
    private static Dictionary<string, long> Reference(string text) =>
        text.ToLowerInvariant()
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .GroupBy(w => w, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n\t ")]
    [InlineData("Hello world hello")]
    [InlineData("Über ÜBER über\u00A0straße\u2003Привет ПРИВЕТ\r\n\r\n日本語 emoji😀 EMOJI😀")]
    [InlineData("trailing-space-less")]
    public void CountsLikeLowerCasingAndSplittingOnWhiteSpace(string text)
    {
        var counts = WordCounting.Count(Encoding.UTF8.GetBytes(text));
        Assert.Equal(
            Reference(text).OrderBy(p => p.Key, StringComparer.Ordinal),
            counts.OrderBy(p => p.Key, StringComparer.Ordinal)
        );
    }

    [Fact]
    public void TheSeedsExampleGivesTheSeedsCounts()
    {
        var counts = WordCounting.Count("Hello world hello\nWorld of programming\nHello programming world"u8);
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["hello"] = 3,
                ["world"] = 3,
                ["of"] = 1,
                ["programming"] = 2,
            },
            counts
        );
    }

    [Fact]
    public void PartialCountsSurviveTheWireAndMerge()
    {
        var a = WordCounting.Count("a b b ü"u8);
        var b = WordCounting.Count("b c Ü"u8);
        var merged = new Dictionary<string, long>(StringComparer.Ordinal);
        WordCounting.MergeInto(WordCounting.Serialize(a), merged);
        WordCounting.MergeInto(WordCounting.Serialize(b), merged);
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["b"] = 3, ["c"] = 1, ["ü"] = 2 }, merged);
    }

    [Fact]
    public void BytesThatAreNotCountsAreAFormatError()
    {
        Assert.Throws<FormatException>(() => WordCounting.MergeInto(new byte[] { 5, 3, 0x61 }, []));
        Assert.Throws<FormatException>(() => WordCounting.MergeInto(new byte[] { 0, 1 }, []));
    }

    [Fact]
    public void MapAndReducePayloadsRoundTrip()
    {
        var (mapper, chunk) = MapReducePayloads.DecodeMap(MapReducePayloads.EncodeMap("wordcount", "x y"u8));
        Assert.Equal("wordcount", mapper);
        Assert.Equal("x y"u8.ToArray(), chunk.ToArray());

        var (reducer, partials) = MapReducePayloads.DecodeReduce(
            MapReducePayloads.EncodeReduce(
                "sum",
                [
                    [1],
                    [],
                    [2, 3],
                ]
            )
        );
        Assert.Equal("sum", reducer);
        Assert.Equal([[1], [], [2, 3]], partials.Select(p => p.ToArray()));
        Assert.Throws<FormatException>(() => MapReducePayloads.DecodeReduce(new byte[] { 3, 0x61, 0x62, 0x63, 2, 9 }));
    }
}
