using Xunit;

namespace Orleans.Replication.ClusterTests.RealProcesses;

/// <summary>How the real-process helpers tell each silo where to keep its data.</summary>
public sealed class StorageArgumentsTests
{
    [Fact]
    public void WithoutADataRootEverySiloKeepsItsNodesInMemory()
    {
        Assert.Equal(["--in-memory"], SiloProcesses.StorageArguments(null, 2));
        Assert.Null(SiloProcesses.DataDirectory(null, 2));
    }

    [Fact]
    public void WithADataRootSiloIGetsItsOwnCreatedDirectoryAndAStableName()
    {
        var root = Directory.CreateTempSubdirectory("orleans-replication-data-root-").FullName;
        try
        {
            var directory = Path.Combine(root, "silo-2");

            Assert.Equal(["--data-dir", directory, "--name", "silo-2"], SiloProcesses.StorageArguments(root, 2));
            Assert.True(Directory.Exists(directory));
            Assert.Equal(SiloProcesses.StorageArguments(root, 2), SiloProcesses.StorageArguments(root, 2));
            Assert.Equal(directory, SiloProcesses.DataDirectory(root, 2));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
