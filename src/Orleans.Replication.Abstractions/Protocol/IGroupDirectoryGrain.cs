namespace Orleans.Replication.Protocol;

/// <summary>The list of groups of the cluster, so that a dead silo can be announced to every coordinator.</summary>
[Alias("orepl.IGroupDirectoryGrain")]
public interface IGroupDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Records that group <paramref name="group"/> exists (idempotent; coordinators repeat it).</summary>
    [Alias("Register")]
    Task RegisterAsync(string group);

    /// <summary>
    /// Announces a dead silo to every group's coordinator (each silo's watcher calls it; repeats are ignored).
    /// </summary>
    [Alias("SiloDead")]
    Task SiloDeadAsync(string silo);
}
