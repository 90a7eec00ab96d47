using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Replication.Options;
using Orleans.Replication.Work;

namespace Orleans.Replication.Tests.Hosting;

/// <summary>
/// What <c>AddReplication()</c> sets up in a user's own silo host, read from the built host without starting it.
/// </summary>
public sealed class SiloSetupTests
{
    [Fact]
    public void AddReplication_AppliesFastFailureDetectionAndTheDistributedDirectoryWithoutLease()
    {
        using var silo = BuildSilo(s => s.AddReplication(), out var services);

        var membership = silo.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(1), membership.ProbeTimeout);
        Assert.Equal(2, membership.NumMissedProbesLimit);
        Assert.Equal(1, membership.NumVotesForDeathDeclaration);
        Assert.False(
            membership.EnableConnectionLivenessCheck,
            "the connection-liveness check suppresses votes against a frozen process"
        );
        Assert.False(
            membership.EnableIndirectProbes,
            "indirect probes through a dead silo keep a survivor from declaring deaths"
        );
        Assert.Equal(
            TimeSpan.Zero,
            silo.Services.GetRequiredService<IOptions<GrainDirectoryOptions>>().Value.RangeLeaseDuration
        );
        Assert.True(HasDistributedDirectory(services), "the distributed grain directory is not registered");
    }

    [Fact]
    public void AddReplication_WithNoClusterSettings_LeavesOrleansDefaults()
    {
        using var silo = BuildSilo(s => s.AddReplication(null, ReplicationClusterSettings.None), out var services);

        var membership = silo.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        var defaults = new ClusterMembershipOptions();
        Assert.Equal(defaults.ProbeTimeout, membership.ProbeTimeout);
        Assert.Equal(defaults.NumMissedProbesLimit, membership.NumMissedProbesLimit);
        Assert.Equal(defaults.NumVotesForDeathDeclaration, membership.NumVotesForDeathDeclaration);
        Assert.True(membership.EnableConnectionLivenessCheck);
        Assert.True(membership.EnableIndirectProbes);
        Assert.False(
            HasDistributedDirectory(services),
            "the distributed grain directory was registered though not asked for"
        );
    }

    [Fact]
    public void FastFailureDetectionAlone_KeepsTheClassicDirectory()
    {
        using var silo = BuildSilo(
            s => s.AddReplication(null, ReplicationClusterSettings.FastFailureDetection),
            out var services
        );

        Assert.Equal(
            TimeSpan.FromSeconds(1),
            silo.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value.ProbeTimeout
        );
        Assert.False(
            HasDistributedDirectory(services),
            "the distributed grain directory was registered though not asked for"
        );
    }

    [Fact]
    public void ReplicationOptionsBindFromTheReplicationSection_ThenTheDelegate()
    {
        using var silo = BuildSilo(
            s => s.AddReplication(o => o.MaxBatchEntries = 7),
            out _,
            ("Replication:DefaultNodeCount", "5"), ("Replication:MaxBatchEntries", "100"));

        var options = silo.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value;
        Assert.Equal(5, options.DefaultNodeCount);
        Assert.Equal(7, options.MaxBatchEntries);
    }

    [Fact]
    public void WorkDistributionIsOptIn()
    {
        using var without = BuildSilo(s => s.AddReplication(), out var plain);
        using var with = BuildSilo(s => s.AddReplication().AddWorkDistribution(), out var opted);

        Assert.DoesNotContain(plain, d => d.ServiceType == typeof(WorkRegistry));
        Assert.Contains(opted, d => d.ServiceType == typeof(WorkRegistry));
        Assert.NotNull(with.Services.GetService<WorkRegistry>());
    }

    private static bool HasDistributedDirectory(IServiceCollection services) =>
        services.Any(d => d.ServiceType.Name == "DistributedGrainDirectory");

    private static IHost BuildSilo(
        Action<ISiloBuilder> configure,
        out IServiceCollection services,
        params (string Key, string Value)[] settings
    )
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(
            settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))
        );
        IServiceCollection? captured = null;
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            configure(silo);
            captured = silo.Services;
        });
        services = captured!;
        return builder.Build();
    }
}
