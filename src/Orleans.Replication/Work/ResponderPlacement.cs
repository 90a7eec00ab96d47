using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Orleans.Replication.Work;

/// <summary>Places a responder keyed <c>"{pool}/{silo}"</c> on the silo its key names.</summary>
[GenerateSerializer, Immutable, Alias("orepl.ResponderPlacement")]
public sealed class ResponderPlacement : PlacementStrategy
{
}

/// <summary>Marks the responder grain for <see cref="ResponderPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ResponderPlacementAttribute() : PlacementAttribute(new ResponderPlacement());

/// <summary>Responder keys, and the director that honours them.</summary>
/// <remarks>
/// The controller only calls responders of active silos. If the named silo is gone by the time a call activates the
/// responder, it lands on another silo; its probe then reports the wrong silo and the controller stops using it.
/// Stateless and thread-safe.
/// </remarks>
internal sealed class ResponderPlacementDirector : IPlacementDirector
{
    public static string Key(string pool, SiloAddress silo) => $"{pool}/{silo.ToParsableString()}";

    public static SiloAddress? SiloOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return null;
        }

        try
        {
            return SiloAddress.FromParsableString(key[(slash + 1)..]);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public Task<SiloAddress> OnAddActivation(
        PlacementStrategy strategy,
        PlacementTarget target,
        IPlacementContext context
    )
    {
        var silos = context.GetCompatibleSilos(target);
        var wanted = SiloOf(target.GrainIdentity.Key.ToString() ?? "");
        if (wanted is not null && silos.Contains(wanted))
        {
            return Task.FromResult(wanted);
        }

        var ordered = silos.ToArray();
        Array.Sort(ordered);
        return Task.FromResult(ordered[0]);
    }
}
