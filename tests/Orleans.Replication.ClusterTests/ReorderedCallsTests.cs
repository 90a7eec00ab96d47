using Orleans.Replication.Protocol;
using Xunit;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// Orleans does not keep calls in order, so a primary's replication calls may reach a replica out of order. A call
/// that overtook an earlier one is held until the gap fills, instead of being answered with a mismatch that makes the
/// primary send everything again; a gap that no earlier call can fill is still answered with a mismatch at once.
/// </summary>
/// <remarks>
/// Each test leads its own group's replica (<see cref="StandInLeader"/>), so that it alone numbers the calls the
/// replica sees.
/// </remarks>
[Collection("cluster")]
public sealed class ReorderedCallsTests(ClusterFixture fixture)
{
    /// <summary>
    /// Sends the leader's call 1, of <paramref name="count"/> entries after the replica's log; returns where the log
    /// ends then.
    /// </summary>
    private static async Task<long> OpenAsync(StandInLeader leader, int count)
    {
        var opening = await leader.Replica.AppendAsync(leader.Call(1, leader.LastIndex, count));
        Assert.Equal(AppendStatus.Ok, opening.Status);
        Assert.Equal(leader.LastIndex + count, opening.LastIndex);
        return opening.LastIndex;
    }

    [Fact]
    public async Task CallsThatArriveInReverseOrderAreAllAppliedWithoutAMismatch()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "reorder-reverse");
        var start = leader.LastIndex;
        await OpenAsync(leader, 3);

        var fourth = await leader.Replica.AppendAsync(leader.Call(4, start + 9, 3));
        var third = await leader.Replica.AppendAsync(leader.Call(3, start + 6, 3));
        Assert.Equal(AppendStatus.Ok, fourth.Status);
        Assert.Equal(AppendStatus.Ok, third.Status);
        Assert.Equal(start + 3, third.LastIndex);
        Assert.Equal(start + 3, (await leader.Replica.GetStatusAsync()).LastIndex);

        var second = await leader.Replica.AppendAsync(leader.Call(2, start + 3, 3));

        // The second call fills the gap, and the two held behind it follow in the same turn.
        Assert.Equal(AppendStatus.Ok, second.Status);
        Assert.Equal(start + 12, second.LastIndex);
        Assert.Equal(start + 12, (await leader.Replica.GetStatusAsync()).LastIndex);
    }

    [Fact]
    public async Task ANewLeadersFirstCallIsNeverHeld()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "reorder-first");
        var start = leader.LastIndex;

        // Nothing is known of what this leader sent before: a gap after its first call is answered at once, whatever
        // its number, so that a new primary that guessed the replica's log wrong learns it in one round trip.
        var first = await leader.Replica.AppendAsync(leader.Call(7, start + 4, 2));

        Assert.Equal(AppendStatus.Mismatch, first.Status);
        Assert.Equal(start, first.LastIndex);
    }

    [Fact]
    public async Task AGapThatNoEarlierCallCanFillIsAMismatchAtOnce()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "reorder-real-gap");
        var start = leader.LastIndex;
        await OpenAsync(leader, 2);

        // Call 2 is the next the replica expects, so nothing can be on its way before it: entries are missing.
        var gap = await leader.Replica.AppendAsync(leader.Call(2, start + 5, 2));
        Assert.Equal(AppendStatus.Mismatch, gap.Status);
        Assert.Equal(start + 2, gap.LastIndex);

        // A call outside the numbering (sequence 0) is not held either.
        var unnumbered = await leader.Replica.AppendAsync(leader.Call(0, start + 5, 2));
        Assert.Equal(AppendStatus.Mismatch, unnumbered.Status);
        Assert.Equal(start + 2, (await leader.Replica.GetStatusAsync()).LastIndex);
    }

    [Fact]
    public async Task HeldCallsAreBoundedAndThenTheGapIsAMismatch()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "reorder-bound");
        var start = await OpenAsync(leader, 2);

        // Call 2 never arrives. Calls after it are held while they may be overtaking it, up to a bound (four times
        // the calls a primary keeps in flight: 16 by default); the call past the bound is answered with a mismatch.
        var answers = new List<AppendResponse>();
        for (var sequence = 3; sequence <= 40; sequence++)
        {
            var answer = await leader.Replica.AppendAsync(leader.Call(sequence, start + (sequence - 2) * 2, 2));
            answers.Add(answer);
            if (answer.Status != AppendStatus.Ok)
            {
                break;
            }
        }

        Assert.Equal(AppendStatus.Mismatch, answers[^1].Status);
        Assert.Equal(start, answers[^1].LastIndex);
        Assert.InRange(answers.Count, 2, 38);
        Assert.Equal(start, (await leader.Replica.GetStatusAsync()).LastIndex);

        // The calls held before the mismatch were dropped: the missing call no longer brings them in.
        var late = await leader.Replica.AppendAsync(leader.Call(2, start, 2));
        Assert.Equal(AppendStatus.Ok, late.Status);
        Assert.Equal(start + 2, late.LastIndex);
    }

    [Fact]
    public async Task CallsHeldFromALeaderAreDroppedWhenANewerLeaderSpeaks()
    {
        var leader = await StandInLeader.TakeOverReplicaAsync(fixture, "reorder-deposed");
        var start = await OpenAsync(leader, 2);
        var held = await leader.Replica.AppendAsync(leader.Call(3, start + 2, 2));
        Assert.Equal(AppendStatus.Ok, held.Status);
        Assert.Equal(start, held.LastIndex);

        // A newer leader agrees with the log up to start and writes six entries of its own over the indexes the held
        // call covers. The held call of the deposed leader must not follow them: it would cut the newer leader's
        // entries after start + 2 and put its own there.
        var newer = leader with { Epoch = leader.Epoch + 10, LastIndex = start, LastEpoch = leader.Epoch };
        var answer = await leader.Replica.AppendAsync(newer.Call(1, start, 6));

        Assert.Equal(AppendStatus.Ok, answer.Status);
        Assert.Equal(start + 6, answer.LastIndex);
        var status = await leader.Replica.GetStatusAsync();
        Assert.Equal(start + 6, status.LastIndex);
        Assert.Equal(newer.Epoch, status.LastEpoch);
    }
}
