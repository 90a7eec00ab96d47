using Orleans.Replication.Client;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// A test leads one replica of its own group as a newer epoch's primary would, so that it alone decides what the
/// replica is sent: the calls' numbering, their entries and the commit index they carry.
/// </summary>
/// <param name="Replica">The replica led.</param>
/// <param name="Epoch">The stand-in leader's epoch, above the group's.</param>
/// <param name="LeaderIndex">The node the stand-in leader claims to be.</param>
/// <param name="LastIndex">Where the replica's log ended when the stand-in took over.</param>
/// <param name="LastEpoch">The epoch of the replica's last entry then.</param>
internal sealed record StandInLeader(
    IReplicaNodeGrain Replica,
    long Epoch,
    int LeaderIndex,
    long LastIndex,
    long LastEpoch
)
{
    /// <summary>
    /// Writes once to a new three-node group <paramref name="name"/>, then leads one of its replicas from a later
    /// epoch.
    /// </summary>
    public static async Task<StandInLeader> TakeOverReplicaAsync(ClusterFixture fixture, string name)
    {
        var group = fixture.Store.Group(name);
        var written = await group.PutAsync("k", "v");
        var route = await group.GetRouteAsync(refresh: true);
        var replicaIndex = (route.PrimaryIndex + 1) % 3;
        var replica = fixture.Node(name, replicaIndex);
        await Eventually.HoldsAsync(async () => (await replica.GetStatusAsync()).LastIndex >= written.Version,
            TimeSpan.FromSeconds(5), "the replica never received the first write");
        var before = await replica.GetStatusAsync();
        return new StandInLeader(
            replica,
            written.Epoch + 10,
            (route.PrimaryIndex + 2) % 3,
            before.LastIndex,
            before.LastEpoch
        );
    }

    /// <summary>
    /// The leader's call number <paramref name="sequence"/>: <paramref name="count"/> entries after
    /// <paramref name="prevIndex"/>, of the leader's epoch unless <paramref name="entryEpoch"/> says otherwise,
    /// carrying the commit index <paramref name="leaderCommit"/> (by default where the replica's log ended at the
    /// take-over).
    /// </summary>
    public AppendRequest Call(
        long sequence,
        long prevIndex,
        int count,
        int nodeCount = 3,
        long? entryEpoch = null,
        long? leaderCommit = null
    )
    {
        var entries = Enumerable
            .Range(1, count)
            .Select(i => new LogEntry(
                prevIndex + i,
                entryEpoch ?? Epoch,
                LogOperation.Put,
                $"key{prevIndex + i}",
                [(byte)i],
                Guid.NewGuid(),
                DateTime.UtcNow.Ticks
            ))
            .ToArray();
        var prevEpoch = prevIndex == LastIndex ? LastEpoch : entryEpoch ?? Epoch;
        return new AppendRequest(Epoch, LeaderIndex, nodeCount, prevIndex, prevEpoch, entries,
            LeaderCommit: leaderCommit ?? LastIndex, LeaderLastIndex: LastIndex + 9, IsProbe: false, sequence);
    }
}
