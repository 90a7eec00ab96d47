
namespace Orleans.Replication.Tests.Work;

public sealed class WorkCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task AnEmptyOrMissingFileIsOneErrorLineAndExitCodeTwoWithoutConnecting()
    {
        var empty = Path.Combine(_dir, "empty.txt");
        File.WriteAllText(empty, "");
        foreach (
            var args in new[]
            {
                new[] { "wordcount", empty },
                ["wordcount", Path.Combine(_dir, "missing.txt")],
                ["wordcount"],
                ["wordcount", empty, "--top", "-1"],
            }
        )
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var code = await Orleans.Replication.Cli.Cli.RunAsync([.. args, "--gateway", "localhost:1"], output, error);
            Assert.Equal(2, code);
            Assert.StartsWith("error: ", error.ToString());
            Assert.Equal("", output.ToString());
        }
    }
}
