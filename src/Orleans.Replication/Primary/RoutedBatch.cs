using Orleans.Replication.Protocol;

namespace Orleans.Replication.Primary;

/// <summary>A batch whose acknowledgement is routed through a replica: the replica tells the client once it holds the batch.</summary>
internal sealed class RoutedBatch(ReplicaLink link, AckRoute route)
{
    /// <summary>The replica that is to tell the client.</summary>
    public ReplicaLink Link { get; } = link;

    /// <summary>Who to tell, and which entries the replica must hold first.</summary>
    public AckRoute Route { get; } = route;

    /// <summary>Calls out carrying the route.</summary>
    public int CallsOut { get; set; }

    /// <summary>A call's answer said the replica holds the batch: it told the client.</summary>
    public bool Told { get; set; }

    /// <summary>Set once the batch is committed while a call carrying the route is out.</summary>
    public WriteReply[]? Replies { get; set; }

    /// <summary>When <see cref="Replies"/> was set.</summary>
    public long CommittedTicks { get; set; }
}
