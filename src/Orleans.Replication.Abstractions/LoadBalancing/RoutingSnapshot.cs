namespace Orleans.Replication.LoadBalancing;

/// <summary>What the load balancer knows of one node when it takes a snapshot.</summary>
/// <param name="NodeIndex">The node.</param>
/// <param name="Role">Its role, as it last reported it.</param>
/// <param name="InRotation">Whether reads may be sent to it.</param>
/// <param name="OutReason">Why it is out of the rotation, when it is.</param>
/// <param name="InFlight">Reads in flight to it, summed over the clients that reported them.</param>
/// <param name="AverageResponseMs">Mean response time of its last 100 reads, as clients measured them; 0 before
/// any.</param>
/// <param name="LagEntries">Committed entries it has not applied.</param>
/// <param name="LagMs">Age of the oldest entry it has not applied, in milliseconds (silence from the primary
/// counted).</param>
[GenerateSerializer, Immutable, Alias("orepl.NodeLoad")]
public sealed record NodeLoad(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] NodeRole Role,
    [property: Id(2)] bool InRotation,
    [property: Id(3)] string? OutReason,
    [property: Id(4)] int InFlight,
    [property: Id(5)] double AverageResponseMs,
    [property: Id(6)] long LagEntries,
    [property: Id(7)] double LagMs);

/// <summary>
/// A group's routing state for reads, from its load-balancer grain: which nodes are in rotation, their load and lag,
/// and the strategy.
/// </summary>
/// <param name="Group">The group.</param>
/// <param name="Epoch">The group's epoch when the nodes were last checked.</param>
/// <param name="PrimaryIndex">The primary then, or -1.</param>
/// <param name="Policy">The group's read policy.</param>
/// <param name="Nodes">Every node, by index.</param>
/// <param name="TakenTicks">UTC ticks at which the load balancer last checked the nodes.</param>
[GenerateSerializer, Immutable, Alias("orepl.RoutingSnapshot")]
public sealed record RoutingSnapshot(
    [property: Id(0)] string Group,
    [property: Id(1)] long Epoch,
    [property: Id(2)] int PrimaryIndex,
    [property: Id(3)] ReadRoutingPolicy Policy,
    [property: Id(4)] IReadOnlyList<NodeLoad> Nodes,
    [property: Id(5)] long TakenTicks);

/// <summary>What one client observed of one node since its last report.</summary>
/// <param name="NodeIndex">The node.</param>
/// <param name="InFlight">The client's reads in flight to it now.</param>
/// <param name="Failures">Reads that failed to reach it (unreachable, timed out).</param>
/// <param name="ResponseTimesMs">Response times of reads it answered, the newest last (at most 100 are kept).</param>
[GenerateSerializer, Immutable, Alias("orepl.NodeObservation")]
public sealed record NodeObservation(
    [property: Id(0)] int NodeIndex,
    [property: Id(1)] int InFlight,
    [property: Id(2)] int Failures,
    [property: Id(3)] double[] ResponseTimesMs);

/// <summary>A batch of a client's observations, sent with each snapshot exchange.</summary>
/// <param name="ClientId">Identifies the client, so that its in-flight counts replace its previous ones instead of
/// adding up.</param>
/// <param name="Nodes">One observation per node it has read from.</param>
[GenerateSerializer, Immutable, Alias("orepl.LoadReport")]
public sealed record LoadReport(
    [property: Id(0)] Guid ClientId,
    [property: Id(1)] IReadOnlyList<NodeObservation> Nodes);
