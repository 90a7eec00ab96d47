using Orleans.Replication.Protocol;

namespace Orleans.Replication.Replica;

/// <summary>A snapshot being received: the chunks of one transfer, in order.</summary>
internal sealed class IncomingSnapshot(Guid id)
{
    /// <summary>The transfer; chunks of another one restart it.</summary>
    public Guid Id { get; } = id;

    /// <summary>The chunk expected next.</summary>
    public int NextSequence { get; set; }

    public List<SnapshotItem> Items { get; } = [];

    public List<WriteIdRecord> WriteIds { get; } = [];
}
