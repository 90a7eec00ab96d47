using System.Runtime.CompilerServices;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Client;

/// <summary>
/// Streams the values of a replicated group as chunks: values in key order, each followed by a line feed.
/// </summary>
/// <remarks>
/// Values are read in pages from the group's primary, and only applied (committed) values are served; pages are read as
/// the job goes, so writes during a job may or may not be seen (each page is consistent, the scan is not a snapshot).
/// </remarks>
internal static class GroupChunks
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The group's primary node; throws <see cref="NoPrimaryException"/> when it has none.</summary>
    public static async Task<IReplicaNodeGrain> PrimaryAsync(
        IGrainFactory grains,
        IReplicatedGroup group,
        CancellationToken cancellationToken
    )
    {
        var route = await group.GetRouteAsync(refresh: true, cancellationToken);
        return route.HasPrimary
            ? grains.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(group.Name, route.PrimaryIndex))
            : throw new NoPrimaryException(
                group.Name,
                $"The group '{group.Name}' has no primary to read its values from: {route.Problem}"
            );
    }

    /// <summary>Throws <see cref="ArgumentException"/> when the group holds no values.</summary>
    public static async Task ValidateAsync(
        IGrainFactory grains,
        IReplicatedGroup group,
        CancellationToken cancellationToken
    )
    {
        var node = await PrimaryAsync(grains, group, cancellationToken);
        var first = await node.ScanAsync(null, 1).WaitAsync(PageTimeout, cancellationToken);
        if (first.Items.Length == 0)
        {
            throw new ArgumentException($"The group '{group.Name}' holds no values.", nameof(group));
        }
    }

    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(
        IGrainFactory grains, IReplicatedGroup group, int chunkBytes, int maxChunkBytes, int pageSize = 1000,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var node = await PrimaryAsync(grains, group, cancellationToken);
        var buffer = new MemoryStream(chunkBytes);
        string? after = null;
        do
        {
            var page = await node.ScanAsync(after, pageSize).WaitAsync(PageTimeout, cancellationToken);
            foreach (var item in page.Items)
            {
                if (item.Value.Length + 1 > maxChunkBytes)
                {
                    throw new ArgumentException(
                        $"The value of key '{item.Key}' in group '{group.Name}' is {item.Value.Length} bytes; a " +
                        $"chunk holds at most {maxChunkBytes - 1}.",
                        nameof(group)
                    );
                }

                if (buffer.Length > 0 && buffer.Length + item.Value.Length + 1 > chunkBytes)
                {
                    yield return buffer.ToArray();
                    buffer.SetLength(0);
                }

                buffer.Write(item.Value);
                buffer.WriteByte((byte)'\n');
            }

            after = page.NextKey;
        }
        while (after is not null);

        if (buffer.Length > 0)
        {
            yield return buffer.ToArray();
        }
    }
}
