using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Orleans.Replication.Placement;

/// <summary>Places the nodes of a group on distinct silos while there are enough silos.</summary>
[GenerateSerializer, Immutable, Alias("orepl.DistinctNodePlacement")]
public sealed class DistinctNodePlacement : PlacementStrategy
{
}

/// <summary>Marks a grain class keyed <c>"{group}/{index}"</c> for <see cref="DistinctNodePlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DistinctNodePlacementAttribute() : PlacementAttribute(new DistinctNodePlacement());

/// <summary>Node i of group g goes to silo (h(g) + i) mod n of the n compatible silos in address order.</summary>
/// <remarks>
/// Consecutive indexes land on consecutive silos, so a group's nodes are distinct whenever n ≥ its size; the
/// offset h(g), a stable hash of the group name, spreads the primaries (node 0 at first) of many groups over
/// the silos, since write throughput grows with the number of primaries. With fewer silos than nodes, some
/// nodes share a silo; status reports where each node lives. A group's coordinator (keyed by the group name alone)
/// goes to the silo before node 0's. A placement hint from the caller wins.
/// Stateless and thread-safe.
/// </remarks>
internal sealed class DistinctNodePlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, silos) is { } hint)
        {
            return Task.FromResult(hint);
        }

        var ordered = silos.ToArray();
        Array.Sort(ordered);
        var key = target.GrainIdentity.Key.ToString() ?? "";
        var slot = 0L;
        try
        {
            var (group, index) = GroupNames.ParseNodeKey(key);
            slot = StableHash(group) + index;
        }
        catch (FormatException)
        {
            // A group's coordinator: on the silo before node 0's, so that losing the primary's silo rarely takes the coordinator too.
            slot = StableHash(key) + ordered.Length - 1;
        }

        return Task.FromResult(ordered[(int)(slot % ordered.Length)]);
    }

    /// <summary>FNV-1a over UTF-16 code units: the same on every silo and every run, unlike <see cref="string.GetHashCode()"/>.</summary>
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
