using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Replication.Client;
using Xunit;

namespace Orleans.Replication.ClusterTests.Work;

[Collection("work")]
public sealed class WordCountTests(WorkClusterFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wordcount-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5_000, 2)]
    [InlineData(300_000, 3)]
    [InlineData(1_500_000, 4)]
    public async Task WordCountEqualsADirectCountOfTheSameText(int size, int seed)
    {
        var text = size == 1 ? "Word" : TextGenerator.Generate(size, seed);
        var file = Write($"text-{size}.txt", text);

        var result = await fixture.Work.Pool("wc-" + size).WordCountAsync([file]);

        TextGenerator.AssertSameCounts(TextGenerator.DirectCount(text), result.Counts);
        var bytes = Encoding.UTF8.GetByteCount(text);
        Assert.Equal(bytes, result.Job.Bytes);
        Assert.True(
            result.Job.Chunks >= bytes / WorkCluster.MaxPayloadBytes,
            $"{result.Job.Chunks} chunks for {bytes} bytes"
        );
        if (size >= 300_000)
        {
            // Several chunks: they are spread over the responders, whose outputs are then reduced into one.
            Assert.True(
                result.Job.ChunksByResponder.Count >= 2,
                $"all chunks on one responder: {string.Join(", ", result.Job.ChunksByResponder)}"
            );
            Assert.True(result.Job.Reductions >= 1, $"{result.Job.Reductions} reductions");
        }
    }

    [Fact]
    public async Task SeveralFilesWithOnlyWhiteSpaceAndALeadingByteOrderMarkCountAsOneText()
    {
        var a = TextGenerator.Generate(100_000, 7);
        var b = "\n\n   \t\n";
        var c = "Über ÜBER über\nend";
        var files = new[] { Write("a.txt", a), Write("b.txt", b), Write("c.txt", c) };
        File.WriteAllBytes(files[2], [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(c)]);
        var progress = new List<MapReduceProgress>();

        var result = await fixture.Work.Pool("wc-files").WordCountAsync(files, progress: new SyncProgress(progress));

        TextGenerator.AssertSameCounts(TextGenerator.DirectCount(a + "\n" + b + "\n" + c), result.Counts);
        Assert.Equal(TextGenerator.DirectCount(a).GetValueOrDefault("über") + 3, result.Counts["über"]);
        Assert.Contains(progress, p => p.Phase == "map" && p.ChunksMapped > 0);
        Assert.Contains(progress, p =>
            p.Phase == "done" && p.ChunksMapped == result.Job.Chunks && p.BytesRead == result.Job.Bytes
        );
    }

    [Fact]
    public async Task EmptyMissingOrUnknownInputIsRefusedBeforeAnythingRuns()
    {
        var pool = fixture.Work.Pool("wc-bad");
        var empty = Write("empty.txt", "");
        var e1 = await Assert.ThrowsAsync<ArgumentException>(() => pool.WordCountAsync([empty]));
        Assert.Contains("is empty", e1.Message);
        var e2 = await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.WordCountAsync([Path.Combine(_dir, "nope.txt")])
        );
        Assert.Contains("does not exist", e2.Message);
        var text = Write("ok.txt", "a b c");
        var e3 = await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.WordCountAsync([text], new MapReduceJob { Mapper = "no-such-mapper" })
        );
        Assert.Contains("No mapper named 'no-such-mapper'", e3.Message);
        Assert.Contains("wordcount", e3.Message);
        var e4 = await Assert.ThrowsAsync<ArgumentException>(() =>
            pool.WordCountAsync([text], new MapReduceJob { Reducer = "no-such-reducer" })
        );
        Assert.Contains("No reducer named 'no-such-reducer'", e4.Message);

        var status = await pool.GetStatusAsync();
        Assert.Equal(0, status.Succeeded + status.Failed + status.Queued + status.Running);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AFailedMapTaskFailsTheJobWithItsReason(bool poisonLast)
    {
        var text = TextGenerator.Generate(400_000, 21);
        var file = Write("poisoned.txt", poisonLast ? text + "\npoison\n" : "poison\n" + text);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            fixture.Work.Pool("wc-poison").WordCountAsync([file], new MapReduceJob { Mapper = "poisoned" }));
        Assert.Contains("a poisoned chunk", e.Message);
    }

    [Fact]
    public async Task AWordLongerThanAChunkCanHoldIsAClearError()
    {
        var file = Write("long.txt", "short " + new string('x', WorkCluster.MaxPayloadBytes + 10) + " end");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Work.Pool("wc-long").WordCountAsync([file]));
        Assert.Contains("without white space", e.Message);
    }

    [Fact]
    public async Task WordCountOfAGroupsValuesEqualsADirectCountOfThem()
    {
        var store = fixture.Cluster.Client.ServiceProvider.GetRequiredService<IReplicatedStore>();
        var group = store.Group("wc-values");
        var values = Enumerable.Range(0, 1_200).Select(i => TextGenerator.Generate(40 + i % 300, 100 + i)).ToList();
        var patient = new WriteOptions { Timeout = TimeSpan.FromSeconds(30) };

        // One node is enough to read values from, and keeps replication (tested elsewhere) out of this test.
        await Eventually.HoldsAsync(
            async () =>
                (await store.CreateGroupAsync("wc-values", new GroupConfiguration(1))).Name == "wc-values"
                && (await group.PutAsync("k00000", values[0], patient)).Version > 0,
            TimeSpan.FromSeconds(30),
            "the group takes a first write");
        await Task.WhenAll(values.Select((v, i) => group.PutAsync($"k{i:D5}", v, patient)));
        await group.DeleteAsync("k00007", patient);
        values[7] = "";

        var result = await fixture
            .Work.Pool("wc-values")
            .WordCountAsync(group, new MapReduceJob { ChunkBytes = 8 * 1024 });

        TextGenerator.AssertSameCounts(TextGenerator.DirectCount(string.Join("\n", values)), result.Counts);
        Assert.True(result.Job.Chunks > 3, $"{result.Job.Chunks} chunks");

        var empty = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Work.Pool("wc-values").WordCountAsync(store.Group("wc-no-values"))
        );
        Assert.Contains("holds no values", empty.Message);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private sealed class SyncProgress(List<MapReduceProgress> into) : IProgress<MapReduceProgress>
    {
        public void Report(MapReduceProgress value)
        {
            lock (into)
            {
                into.Add(value);
            }
        }
    }
}
