namespace Orleans.Replication.Tests;

/// <summary>The README's TestCluster example is the cluster test that runs it, character for character.</summary>
public sealed class ReadmeExampleTests
{
    private const string Section = "### Testing your own grains against a replicated store";
    private const string ExampleFile = "tests/Orleans.Replication.ClusterTests/Examples/ReplicatedStoreExampleTests.cs";

    [Fact]
    public void TheReadmesTestClusterExample_IsTheExampleTestFile()
    {
        var root = RepositoryRoot();
        var readme = Normalize(File.ReadAllText(Path.Combine(root, "README.md")));
        var example = Normalize(File.ReadAllText(Path.Combine(root, ExampleFile)));

        var section = readme.IndexOf("\n" + Section + "\n", StringComparison.Ordinal);
        Assert.True(section >= 0, $"README.md has no section '{Section}'");
        const string open = "```csharp\n";
        var start = readme.IndexOf(open, section, StringComparison.Ordinal);
        var next = readme.IndexOf("\n## ", section + 1, StringComparison.Ordinal);
        Assert.True(start >= 0 && (next < 0 || start < next), $"the section '{Section}' has no csharp code block");
        start += open.Length;
        var end = readme.IndexOf("```\n", start, StringComparison.Ordinal);
        Assert.True(end > start, "the code block of the section is not closed");

        Assert.Equal(example, readme[start..end]);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static string RepositoryRoot()
    {
        for (
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            directory is not null;
            directory = directory.Parent
        )
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.Replication.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Orleans.Replication.sln above {AppContext.BaseDirectory}.");
    }
}
