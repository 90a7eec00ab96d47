using Orleans.Placement;
using Orleans.Replication.WriteAhead;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Orleans.Replication.Placement;

/// <summary>Places the nodes of a group on distinct silos while there are enough silos.</summary>
[GenerateSerializer, Immutable, Alias("orepl.DistinctNodePlacement")]
public sealed class DistinctNodePlacement : PlacementStrategy
{
}

/// <summary>
/// A node kept on a disk whose silo is away is not activated elsewhere until the coordinator gives up waiting for it.
/// </summary>
[GenerateSerializer, Alias("orepl.NodeAwayException")]
public sealed class NodeAwayException : Exception
{
    public NodeAwayException()
    {
    }

    public NodeAwayException(string message)
        : base(message)
    {
    }

    public NodeAwayException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Marks a grain class keyed <c>"{group}/{index}"</c> for <see cref="DistinctNodePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DistinctNodePlacementAttribute() : PlacementAttribute(new DistinctNodePlacement());

/// <summary>
/// A new activation of a node goes where the group's coordinator says (a silo holding no other node of the group);
/// failing an answer, node i of group g goes to silo (h(g) + i) mod n of the n compatible silos in address order.
/// </summary>
/// <remarks>
/// The formula alone is not enough once silos come and go: when one dies, n changes, and a node re-created after it
/// lands by the formula over the survivors, often beside another node of its group, although the nodes already
/// alive stay where they are. The coordinator knows where every node lives (from its periodic checks) and which silos
/// are active, so placement asks it, briefly; the coordinator itself is placed by the formula.
/// Consecutive indexes land on consecutive silos, so a group's nodes are distinct whenever n ≥ its size; the
/// offset h(g), a stable hash of the group name, spreads the primaries (node 0 at first) of many groups over
/// the silos, since write throughput grows with the number of primaries. With fewer silos than nodes, some
/// nodes share a silo; status reports where each node lives. A group's coordinator (keyed by the group name alone)
/// goes to the silo before node 0's. A placement hint from the caller wins. Thread-safe.
/// <para>
/// A node kept on disk lives where its disk is: before anything else, a node goes to the silo whose data directory
/// holds it — this silo when its own disk does, else a silo that published it in its metadata
/// (<see cref="NodeDisks.HeldNodesMetadataKey"/>, read at its start).
/// </para>
/// </remarks>
internal sealed class DistinctNodePlacementDirector(IServiceProvider services) : IPlacementDirector
{
    /// <summary>How long placement waits for the coordinator's choice before it falls back on the formula.</summary>
    internal static readonly TimeSpan AskTimeout = TimeSpan.FromMilliseconds(500);

    private IGrainFactory? _grains;

    public async Task<SiloAddress> OnAddActivation(
        PlacementStrategy strategy,
        PlacementTarget target,
        IPlacementContext context
    )
    {
        var silos = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint)
        {
            return hint;
        }

        if (GroupNames.TryParseNodeKey(target.GrainIdentity.Key.ToString() ?? "", out var group, out var index))
        {
            if (WhereItsDiskIs(target.GrainIdentity.Key.ToString()!, group, index, silos, context) is { } home)
            {
                return home;
            }

            try
            {
                _grains ??= (IGrainFactory)services.GetService(typeof(IGrainFactory))!;
                var answer = await _grains
                    .GetGrain<IGroupCoordinatorGrain>(group)
                    .PlaceNodeAsync(index)
                    .WaitAsync(AskTimeout);
                if (answer.Refusal is { } refusal)
                {
                    throw new NodeAwayException(refusal);
                }

                if (answer.Silo is { } chosen && silos.Contains(chosen))
                {
                    return chosen;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException and not NodeAwayException)
            {
                // The coordinator is unreachable or slow: the formula still spreads the nodes while silos are stable.
            }
        }

        return ByFormula(target, silos);
    }

    private SiloAddress? WhereItsDiskIs(string key, string group, int index, SiloAddress[] silos,
        IPlacementContext context)
    {
        _disks ??= (NodeDisks?)services.GetService(typeof(NodeDisks));
        if (_disks?.Holds(group, index) == true && silos.Contains(context.LocalSilo))
        {
            return context.LocalSilo;
        }

        _metadata ??= (ISiloMetadataCache?)services.GetService(typeof(ISiloMetadataCache));
        if (_metadata is null)
        {
            return null;
        }

        foreach (var silo in silos)
        {
            if (_metadata.GetSiloMetadata(silo).Metadata.TryGetValue(NodeDisks.HeldNodesMetadataKey, out var held)
                && held.Split(',').Contains(key, StringComparer.Ordinal))
            {
                return silo;
            }
        }

        return null;
    }

    private NodeDisks? _disks;
    private ISiloMetadataCache? _metadata;

    private static SiloAddress ByFormula(PlacementTarget target, SiloAddress[] silos)
    {
        var ordered = silos.ToArray();
        Array.Sort(ordered);
        var key = target.GrainIdentity.Key.ToString() ?? "";
        // A group's coordinator goes on the silo before node 0's, so that losing the primary's silo rarely takes it
        // too.
        var slot = GroupNames.TryParseNodeKey(key, out var group, out var index)
            ? StableHash(group) + (long)index
            : StableHash(key) + (long)ordered.Length - 1;

        return ordered[(int)(slot % ordered.Length)];
    }

    /// <summary>
    /// FNV-1a over UTF-16 code units: the same on every silo and every run, unlike <see cref="string.GetHashCode()"/>.
    /// </summary>
    internal static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash % 1_000_003u;
    }
}
