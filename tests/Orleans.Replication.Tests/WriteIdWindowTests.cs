using Orleans.Replication.Protocol;
using Orleans.Replication.Storage;

namespace Orleans.Replication.Tests;

/// <summary>Remembering write ids for a while, so a retried write is applied once.</summary>
public sealed class WriteIdWindowTests
{
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(10);

    [Fact]
    public void Add_RemembersTheIndexOfEachId()
    {
        var window = new WriteIdWindow(Retention, 100);
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();

        window.Add(a, 5, 0);
        window.Add(b, 6, 0);

        Assert.Equal(2, window.Count);
        Assert.True(window.TryGet(a, out var ia));
        Assert.Equal(5, ia);
        Assert.True(window.TryGet(b, out var ib));
        Assert.Equal(6, ib);
        Assert.False(window.TryGet(Guid.NewGuid(), out _));
    }

    [Fact]
    public void Add_IgnoresTheEmptyId()
    {
        var window = new WriteIdWindow(Retention, 100);

        window.Add(Guid.Empty, 5, 0);

        Assert.Equal(0, window.Count);
        Assert.False(window.TryGet(Guid.Empty, out _));
    }

    [Fact]
    public void Ids_AreForgottenOnlyOnceOlderThanTheRetention()
    {
        var window = new WriteIdWindow(Retention, 100);
        var old = Guid.NewGuid();
        window.Add(old, 1, 0);

        window.Add(Guid.NewGuid(), 2, Retention.Ticks);
        Assert.True(window.TryGet(old, out _));

        window.Add(Guid.NewGuid(), 3, Retention.Ticks + 1);
        Assert.False(window.TryGet(old, out _));
        Assert.Equal(2, window.Count);
    }

    [Fact]
    public void Ids_BeyondTheCapacityAreForgottenOldestFirst()
    {
        var window = new WriteIdWindow(Retention, 3);
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();

        for (var i = 0; i < ids.Length; i++)
        {
            window.Add(ids[i], i + 1, 0);
        }

        Assert.Equal(3, window.Count);
        Assert.False(window.TryGet(ids[0], out _));
        Assert.False(window.TryGet(ids[1], out _));
        Assert.All(ids[2..], id => Assert.True(window.TryGet(id, out _)));
    }

    [Fact]
    public void ReAddingAnIdAtANewIndex_OutlivesItsFirstRecord()
    {
        var window = new WriteIdWindow(Retention, 100);
        var id = Guid.NewGuid();
        window.Add(id, 5, 0);
        window.Add(id, 9, Retention.Ticks / 2);

        window.Add(Guid.NewGuid(), 10, Retention.Ticks + 1);

        Assert.True(window.TryGet(id, out var index));
        Assert.Equal(9, index);
    }

    [Fact]
    public void ReAddingAnIdAtTheSameIndexAfterACut_OutlivesItsFirstRecord()
    {
        // A write cut from the log (RemoveFrom) and retried can land at the same index again. The id was
        // recorded afresh at half the retention, so it must be remembered until one and a half retentions.
        var window = new WriteIdWindow(Retention, 100);
        var id = Guid.NewGuid();
        var entry = LogEntries.Put(5, 1, "a", "one", id);
        window.Add(id, 5, 0);
        window.RemoveFrom(5, [entry]);
        window.Add(id, 5, Retention.Ticks / 2);

        window.Add(Guid.NewGuid(), 6, Retention.Ticks + 1);

        Assert.True(
            window.TryGet(id, out var index),
            "The id recorded again at half the retention was forgotten with its first record."
        );
        Assert.Equal(5, index);
    }

    [Fact]
    public void RemoveFrom_ForgetsOnlyTheIdsOfCutEntries()
    {
        var window = new WriteIdWindow(Retention, 100);
        var kept = Guid.NewGuid();
        var cut = Guid.NewGuid();
        var movedOn = Guid.NewGuid();
        window.Add(kept, 4, 0);
        window.Add(cut, 5, 0);
        window.Add(movedOn, 8, 0);

        window.RemoveFrom(5,
        [
            LogEntries.Put(4, 1, "a", "x", kept),
            LogEntries.Put(5, 1, "b", "x", cut),
            LogEntries.Put(6, 1, "c", "x", movedOn),
        ]);

        Assert.True(window.TryGet(kept, out _));
        Assert.False(window.TryGet(cut, out _));
        Assert.True(
            window.TryGet(movedOn, out var index),
            "An id now recorded at another index belongs to that entry."
        );
        Assert.Equal(8, index);
    }

    [Fact]
    public void Clear_ForgetsEverything()
    {
        var window = new WriteIdWindow(Retention, 100);
        var id = Guid.NewGuid();
        window.Add(id, 1, 0);

        window.Clear();

        Assert.Equal(0, window.Count);
        Assert.False(window.TryGet(id, out _));
    }

    [Fact]
    public void Snapshot_CarriesTheIdsUpToAnIndexAndRestoreRemembersThem()
    {
        var primary = new WriteIdWindow(Retention, 100);
        var early = Guid.NewGuid();
        var covered = Guid.NewGuid();
        var later = Guid.NewGuid();
        primary.Add(early, 3, 10);
        primary.Add(covered, 7, 20);
        primary.Add(later, 12, 30);

        var records = primary.Snapshot(upToIndex: 7);
        Assert.Equal([new WriteIdRecord(early, 3, 10), new WriteIdRecord(covered, 7, 20)], records);

        var replica = new WriteIdWindow(Retention, 100);
        replica.Restore(records, nowTicks: 40);
        Assert.True(replica.TryGet(covered, out var index));
        Assert.Equal(7, index);
        Assert.False(
            replica.TryGet(later, out _),
            "An id after the snapshot comes with its log entry, not the snapshot."
        );
    }

    [Fact]
    public void Snapshot_LeavesOutIdsRecordedAgainAtALaterIndex()
    {
        var window = new WriteIdWindow(Retention, 100);
        var id = Guid.NewGuid();
        window.Add(id, 4, 0);
        window.Add(id, 9, 1);

        Assert.Empty(window.Snapshot(upToIndex: 5));
        Assert.Equal([new WriteIdRecord(id, 9, 1)], window.Snapshot(upToIndex: 9));
    }

    [Fact]
    public void Restore_KeepsTheLimits()
    {
        var replica = new WriteIdWindow(Retention, capacity: 2);
        var ids = Enumerable.Range(1, 5).Select(i => new WriteIdRecord(Guid.NewGuid(), i, i)).ToArray();
        replica.Restore(ids, nowTicks: 5);
        Assert.Equal(2, replica.Count);
        Assert.True(replica.TryGet(ids[4].WriteId, out _));
        Assert.False(replica.TryGet(ids[0].WriteId, out _));
    }
}
