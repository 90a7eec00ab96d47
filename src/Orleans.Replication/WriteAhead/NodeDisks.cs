using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Replication.Options;

namespace Orleans.Replication.WriteAhead;

/// <summary>The silo's data directory: where each node on this silo keeps its log, and the one writer of that
/// disk.</summary>
/// <remarks>
/// Layout: <c>{DataDirectory}/nodes/g-{group}/{index}/</c> holds node <c>index</c> of <c>group</c> (the prefix keeps
/// a group named <c>..</c> inside). A node directory exists from the node's first activation on this silo until the
/// node leaves it (reset, moved away, or found stale when a copy elsewhere replaced it). One per silo;
/// <see cref="Enabled"/> only when <see cref="ReplicationOptions.DataDirectory"/> is set and the silo's durability is
/// not <see cref="Replication.Durability.Memory"/>.
/// </remarks>
internal sealed class NodeDisks : IAsyncDisposable
{
    private const string GroupPrefix = "g-";

    /// <exception cref="ReplicationDataDirectoryException">The data directory is missing, not writable, full, or
    /// belongs to another cluster or silo name (see <see cref="DataDirectory.Prepare(string, string, string)"/>);
    /// the silo does not start.</exception>
    public NodeDisks(IOptions<ReplicationOptions> options, TimeProvider time, IServiceProvider services,
        IOptions<ClusterOptions> cluster, IOptions<SiloOptions> silo)
    {
        var o = options.Value;
        Durability = o.EffectiveDurability;
        LogOptions = new DurableLogOptions
        {
            SyncMode = Durability == Replication.Durability.Buffered ? LogSyncMode.Buffered : LogSyncMode.Disk,
            BufferedFlushInterval = o.BufferedFlushInterval,
        };
        if (o.DataDirectory is null)
        {
            Root = NodesRoot = "";
            return;
        }

        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(o.DataDirectory));
        NodesRoot = Path.Combine(Root, "nodes");
        if (Durability != Replication.Durability.Memory)
        {
            DataDirectory.Prepare(Root, cluster.Value.ClusterId, silo.Value.SiloName);
            // A file layer registered by a test (faults, power cuts) replaces the real one.
            var files = services.GetService(typeof(ILogFileSystem)) as ILogFileSystem ?? new PhysicalLogFileSystem();
            _writer = new DiskWriter(files, time);
        }
    }

    private readonly DiskWriter? _writer;

    /// <summary>The silo's metadata key under which it publishes the nodes its disk holds.</summary>
    public const string HeldNodesMetadataKey = "orepl.nodes";

    /// <summary>True when nodes on this silo keep their logs on disk.</summary>
    public bool Enabled => _writer is not null;

    /// <summary>The silo's data directory, full path.</summary>
    public string Root { get; }

    /// <summary>Where the node directories are.</summary>
    public string NodesRoot { get; }

    /// <summary>The level the logs here are written at (never <see cref="Replication.Durability.Memory"/> when a
    /// node opens one).</summary>
    public Durability Durability { get; }

    public DurableLogOptions LogOptions { get; }

    public DiskWriter Writer => _writer ?? throw new InvalidOperationException("This silo keeps nodes in memory.");

    public string NodeDirectory(string group, int index) =>
        Path.Combine(NodesRoot, GroupPrefix + group, index.ToString(CultureInfo.InvariantCulture));

    /// <summary>The node keys (<c>group/index</c>) this silo's disk holds, in a stable order.</summary>
    public IReadOnlyList<string> HeldNodeKeys()
    {
        var keys = new List<string>();
        if (!Enabled || !System.IO.Directory.Exists(NodesRoot))
        {
            return keys;
        }

        foreach (var groupDirectory in System.IO.Directory.EnumerateDirectories(NodesRoot, GroupPrefix + "*"))
        {
            var group = Path.GetFileName(groupDirectory)[GroupPrefix.Length..];
            if (GroupNames.GetError(group) is not null)
            {
                continue;
            }

            foreach (var nodeDirectory in System.IO.Directory.EnumerateDirectories(groupDirectory))
            {
                if (int.TryParse(Path.GetFileName(nodeDirectory), NumberStyles.None, CultureInfo.InvariantCulture,
                        out var index)
                    && index < ReplicationLimits.MaxNodeCount
                    && System.IO.Directory.EnumerateFileSystemEntries(nodeDirectory).Any())
                {
                    keys.Add(GroupNames.NodeKey(group, index));
                }
            }
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <summary>True when this silo's disk holds node <paramref name="index"/> of <paramref name="group"/>.</summary>
    public bool Holds(string group, int index) =>
        Enabled && System.IO.Directory.Exists(NodeDirectory(group, index))
        && System.IO.Directory.EnumerateFileSystemEntries(NodeDirectory(group, index)).Any();

    /// <summary>Deletes a node's directory (its log must be closed): the node no longer lives on this disk.</summary>
    public void Delete(string group, int index)
    {
        var directory = NodeDirectory(group, index);
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    public ValueTask DisposeAsync() => _writer?.DisposeAsync() ?? ValueTask.CompletedTask;
}
