using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Replication.Options;
using Orleans.Replication.Silo;
using Orleans.Replication.WriteAhead;
using Level = Orleans.Replication.Durability;

namespace Orleans.Replication.Tests.Hosting;

/// <summary>
/// The silo host's name and data-directory settings: command line to configuration to settings and storage, and the
/// host built from them (not started).
/// </summary>
public sealed class SiloCommandLineTests : IDisposable
{
    private readonly string _cwd = Directory.CreateTempSubdirectory("silo-command-line-").FullName;

    public void Dispose() => Directory.Delete(_cwd, recursive: true);

    [Fact]
    public void EachStorageFlagSetsItsConfigurationKey()
    {
        var values = Parse("--name", "kv-1", "--data-dir", "d", "--durability", "buffered", "--in-memory");

        Assert.Equal("kv-1", values["Silo:Name"]);
        Assert.Equal("d", values["Replication:DataDirectory"]);
        Assert.Equal("buffered", values["Replication:Durability"]);
        Assert.Equal("true", values["Silo:InMemory"]);
        Assert.Equal(4, values.Count);
    }

    [Fact]
    public void DataDirNameAndDurabilityBindToTheSettingsAndTheStorage()
    {
        var (settings, storage) = Resolve("--name", "kv-1", "--data-dir", "disk/kv", "--durability", "Buffered");

        Assert.Equal("kv-1", settings.EffectiveName);
        Assert.False(settings.InMemory);
        Assert.Equal(new SiloStorage(Path.Combine(_cwd, "disk", "kv"), Level.Buffered, IsDefault: false), storage);
    }

    [Fact]
    public void AnAbsoluteDataDirIsKeptAsGiven()
    {
        string elsewhere = Path.Combine(Path.GetTempPath(), "elsewhere");

        var (_, storage) = Resolve("--data-dir", elsewhere);

        Assert.Equal(new SiloStorage(elsewhere, null, IsDefault: false), storage);
    }

    [Fact]
    public void InMemoryKeepsNoDataDirectory()
    {
        var (settings, storage) = Resolve("--in-memory");

        Assert.True(settings.InMemory);
        Assert.Equal(new SiloStorage(null, null, IsDefault: false), storage);
        Assert.Equal(
            new SiloStorage(null, Level.Memory, false),
            Resolve("--in-memory", "--durability", "memory").Storage
        );
    }

    [Theory]
    [InlineData(new string[0], "silo-11111")]
    [InlineData(new[] { "--instance", "3" }, "silo-11114")]
    [InlineData(new[] { "--silo-port", "12000" }, "silo-12000")]
    [InlineData(new[] { "--name", "kv.a_1", "--instance", "3" }, "kv.a_1")]
    public void TheDefaultDataDirectoryIsDataSlashNameUnderTheWorkingDirectory(string[] args, string name)
    {
        var (settings, storage) = Resolve(args);

        Assert.Equal(name, settings.EffectiveName);
        Assert.Equal(new SiloStorage(Path.Combine(_cwd, "data", name), null, IsDefault: true), storage);
        Assert.Equal([], settings.Validate());
    }

    [Theory]
    [InlineData(new[] { "--in-memory", "--data-dir", "x" }, "Silo:InMemory (--in-memory) and Replication:DataDir")]
    [InlineData(new[] { "--in-memory", "--durability", "disk" }, "Replication:Durability is 'disk'; it must be memory")]
    [InlineData(new[] { "--in-memory", "--durability", "buffered" }, "Replication:Durability is 'buffered'")]
    [InlineData(new[] { "--durability", "fast" }, "Replication:Durability is 'fast'; it must be disk, buffered or")]
    [InlineData(new[] { "--durability", "2" }, "Replication:Durability is '2'")]
    [InlineData(new[] { "--durability", "" }, "Replication:Durability is ''")]
    [InlineData(new[] { "--data-dir", " " }, "Replication:DataDirectory is ' '")]
    public void ConflictingOrBadStorageSettingsAreErrorsNamingThem(string[] args, string error)
    {
        var values = Parse(args);
        var configuration = SiloHost.LoadConfiguration(values);

        var (storage, errors) = SiloStorage.Resolve(SiloSettings.Bind(configuration), configuration, _cwd);

        Assert.Null(storage);
        Assert.Contains(errors, e => e.StartsWith(error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("silo/1")]
    [InlineData("silo-é")]
    [InlineData("101")]
    public void ABadNameIsAnErrorNamingTheSetting(string name)
    {
        name = name == "101" ? new string('n', 101) : name;
        var (settings, _) = Resolve("--name", name);

        var error = Assert.Single(settings.Validate());
        Assert.StartsWith($"Silo:Name is '{name}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultDataDirectoryIsCreatedAndClaimed()
    {
        var (settings, storage) = Resolve("--cluster-id", "prod", "--instance", "2");

        SiloHost.PrepareDataDirectory(settings, storage);

        Assert.True(File.Exists(Path.Combine(_cwd, "data", "silo-11113", DataDirectory.IdentityFileName)));
    }

    [Fact]
    public void AnExplicitDataDirectoryThatDoesNotExistIsRefusedAndNotCreated()
    {
        var (settings, storage) = Resolve("--data-dir", "missing");

        var e = Assert.Throws<ReplicationDataDirectoryException>(
            () => SiloHost.PrepareDataDirectory(settings, storage)
        );

        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        Assert.False(Path.Exists(Path.Combine(_cwd, "missing")));
    }

    [Fact]
    public void InMemoryTouchesNoDirectory()
    {
        var (settings, storage) = Resolve("--in-memory");

        SiloHost.PrepareDataDirectory(settings, storage);

        Assert.Empty(Directory.GetFileSystemEntries(_cwd));
    }

    [Fact]
    public void TheHostGetsTheNameTheDataDirectoryAndTheDurability()
    {
        Directory.CreateDirectory(Path.Combine(_cwd, "d"));
        var values = Parse("--name", "kv-1", "--data-dir", "d", "--durability", "buffered", "--silo-port", "12000");
        var configuration = SiloHost.LoadConfiguration(values);
        var settings = SiloSettings.Bind(configuration);
        var (storage, _) = SiloStorage.Resolve(settings, configuration, _cwd);

        using var host = SiloHost.Build(settings, storage!, configuration);

        Assert.Equal("kv-1", host.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        var replication = host.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value;
        Assert.Equal(Path.Combine(_cwd, "d"), replication.DataDirectory);
        Assert.Equal(Level.Buffered, replication.EffectiveDurability);
    }

    [Fact]
    public void AnInMemoryHostHasNoDataDirectoryAndTheDefaultNameFromItsPort()
    {
        var values = Parse("--in-memory", "--instance", "4");
        var configuration = SiloHost.LoadConfiguration(values);
        var settings = SiloSettings.Bind(configuration);
        var (storage, _) = SiloStorage.Resolve(settings, configuration, _cwd);

        using var host = SiloHost.Build(settings, storage!, configuration);

        Assert.Equal("silo-11115", host.Services.GetRequiredService<IOptions<SiloOptions>>().Value.SiloName);
        var replication = host.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value;
        Assert.Null(replication.DataDirectory);
        Assert.Equal(Level.Memory, replication.EffectiveDurability);
    }

    [Fact]
    public void TheStartUpLineSaysWhereDataIsKeptOrThatItIsNot()
    {
        Assert.Equal("in /d, durability disk", SiloStorage.Describe("/d", Level.Disk));
        Assert.Equal("in /d, durability buffered", SiloStorage.Describe("/d", Level.Buffered));
        Assert.Equal(
            "in /d, durability memory: a crash of a majority loses acknowledged writes",
            SiloStorage.Describe("/d", Level.Memory)
        );
        Assert.Equal(
            "in memory only: a crash of a majority loses acknowledged writes",
            SiloStorage.Describe(null, Level.Memory)
        );
    }

    private static Dictionary<string, string?> Parse(params string[] args)
    {
        var (values, errors, _) = SiloCommandLine.Parse(args);
        Assert.Empty(errors);
        return values;
    }

    private (SiloSettings Settings, SiloStorage Storage) Resolve(params string[] args)
    {
        var configuration = SiloHost.LoadConfiguration(Parse(args));
        var settings = SiloSettings.Bind(configuration);
        var (storage, errors) = SiloStorage.Resolve(settings, configuration, _cwd);
        Assert.Empty(errors);
        return (settings, storage!);
    }
}
