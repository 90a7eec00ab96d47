namespace Orleans.Replication.Tests;

/// <summary>Style rules of the sources that the compiler and the formatter do not check.</summary>
public sealed class SourceStyleTests
{
    private const int MaxLineLength = 120;

    [Fact]
    public void NoSourceLineIsLongerThan120Characters()
    {
        var root = RepositoryRoot();
        var longLines = new List<string>();
        foreach (var path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, path);
            var parts = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            if (parts.Any(p => p is "bin" or "obj"))
            {
                continue;
            }

            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length > MaxLineLength)
                {
                    longLines.Add($"{relative}:{i + 1} ({lines[i].Length} characters)");
                }
            }
        }

        Assert.True(
            longLines.Count == 0,
            $"{longLines.Count} lines are longer than {MaxLineLength} characters:{Environment.NewLine}"
                + string.Join(Environment.NewLine, longLines));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.Replication.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder above {AppContext.BaseDirectory} holds Orleans.Replication.sln.");
    }
}
