using Orleans.Replication.Protocol;
using Orleans.Replication.Storage;

namespace Orleans.Replication.Tests;

/// <summary>The applied key-value state and the pending overlay of unapplied writes.</summary>
public sealed class KeyValueStateTests
{
    [Fact]
    public void Apply_SetsAndRemovesKeysWithTheIndexAsVersion()
    {
        var state = new KeyValueState();

        state.Apply(LogEntries.Put(1, 1, "a", "one"));
        state.Apply(LogEntries.Put(2, 1, "b", "two"));
        state.Apply(LogEntries.Put(3, 1, "a", "three"));
        state.Apply(LogEntries.Delete(4, 1, "b"));
        state.Apply(LogEntries.Noop(5, 2));

        Assert.Equal(5, state.AppliedIndex);
        Assert.Equal(1, state.Count);
        Assert.True(state.TryGet("a", out var a));
        Assert.Equal("three", LogEntries.Text(a.Value));
        Assert.Equal(3, a.Version);
        Assert.False(state.TryGet("b", out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Apply_RefusesAnEntryOutOfOrder(long index)
    {
        var state = new KeyValueState();
        state.Apply(LogEntries.Put(1, 1, "a", "one"));

        Assert.Throws<InvalidOperationException>(() => state.Apply(LogEntries.Put(index, 1, "a", "bad")));
        Assert.Equal(1, state.AppliedIndex);
        Assert.True(state.TryGet("a", out var a));
        Assert.Equal("one", LogEntries.Text(a.Value));
    }

    [Fact]
    public void Apply_StoresAPutWithoutValueAsEmpty()
    {
        var state = new KeyValueState();

        state.Apply(new LogEntry(1, 1, LogOperation.Put, "a", null, Guid.Empty, 0));

        Assert.True(state.TryGet("a", out var a));
        Assert.Empty(a.Value);
    }

    [Fact]
    public void GetLatest_OfAnUnknownKeyFindsNothing()
    {
        var state = new KeyValueState();

        Assert.Equal((false, 0L, (byte[]?)null), state.GetLatest("missing"));
    }

    [Fact]
    public void GetLatest_PrefersThePendingWriteOverTheAppliedValue()
    {
        var state = new KeyValueState();
        var put = LogEntries.Put(1, 1, "a", "old");
        state.NotePending(put);
        state.Apply(put);
        state.NotePending(LogEntries.Put(2, 1, "a", "new"));

        var (found, version, value) = state.GetLatest("a");

        Assert.True(found);
        Assert.Equal(2, version);
        Assert.Equal("new", LogEntries.Text(value));
        Assert.True(state.TryGet("a", out var applied));
        Assert.Equal("old", LogEntries.Text(applied.Value));
    }

    [Fact]
    public void GetLatest_ReportsAPendingDeleteAsAbsentWithItsVersion()
    {
        var state = new KeyValueState();
        state.Apply(LogEntries.Put(1, 1, "a", "one"));
        state.NotePending(LogEntries.Delete(2, 1, "a"));

        Assert.Equal((false, 2L, (byte[]?)null), state.GetLatest("a"));
        Assert.True(state.TryGet("a", out _));
    }

    [Fact]
    public void Apply_ClearsThePendingWriteItApplied()
    {
        var state = new KeyValueState();
        var put = LogEntries.Put(1, 1, "a", "one");
        state.NotePending(put);
        state.Apply(put);

        // Applied without being noted: only a leftover overlay of the put could still report the key.
        state.Apply(LogEntries.Delete(2, 1, "a"));

        Assert.Equal((false, 0L, (byte[]?)null), state.GetLatest("a"));
    }

    [Fact]
    public void Apply_KeepsANewerPendingWriteOfTheSameKey()
    {
        var state = new KeyValueState();
        var first = LogEntries.Put(1, 1, "a", "one");
        var second = LogEntries.Delete(2, 1, "a");
        state.NotePending(first);
        state.NotePending(second);

        state.Apply(first);

        Assert.Equal((false, 2L, (byte[]?)null), state.GetLatest("a"));
        state.Apply(second);
        Assert.Equal((false, 0L, (byte[]?)null), state.GetLatest("a"));
    }

    [Fact]
    public void NotePending_IgnoresNoops()
    {
        var state = new KeyValueState();

        state.NotePending(LogEntries.Noop(1, 1));

        Assert.Equal((false, 0L, (byte[]?)null), state.GetLatest(string.Empty));
    }

    [Fact]
    public void ResetPending_ForgetsWritesCutFromTheLog()
    {
        var state = new KeyValueState();
        state.Apply(LogEntries.Put(1, 1, "a", "one"));
        state.NotePending(LogEntries.Put(2, 1, "a", "cut"));
        state.NotePending(LogEntries.Put(3, 1, "b", "cut"));

        state.ResetPending([LogEntries.Put(2, 2, "c", "kept")]);

        Assert.Equal((true, 1L), Found(state, "a"));
        Assert.Equal((false, 0L), Found(state, "b"));
        Assert.Equal((true, 2L), Found(state, "c"));
        Assert.Equal("kept", LogEntries.Text(state.GetLatest("c").Value));
    }

    [Fact]
    public void Snapshot_InstallsIntoAnotherStateWithTheSameContent()
    {
        var source = new KeyValueState();
        source.Apply(LogEntries.Put(1, 1, "a", "one"));
        source.Apply(LogEntries.Put(2, 1, "b", "two"));
        source.Apply(LogEntries.Delete(3, 1, "a"));
        var target = new KeyValueState();
        target.Apply(LogEntries.Put(1, 1, "stale", "x"));
        target.NotePending(LogEntries.Put(2, 1, "pending", "x"));

        target.Install(source.Snapshot(), 3);

        Assert.Equal(3, target.AppliedIndex);
        Assert.Equal(1, target.Count);
        Assert.True(target.TryGet("b", out var b));
        Assert.Equal(("two", 2L), (LogEntries.Text(b.Value), b.Version));
        Assert.False(target.TryGet("stale", out _));
        Assert.Equal((false, 0L), Found(target, "pending"));
        Assert.Throws<InvalidOperationException>(() => target.Apply(LogEntries.Put(3, 1, "c", "x")));
        target.Apply(LogEntries.Put(4, 1, "c", "x"));
        Assert.Equal(4, target.AppliedIndex);
    }

    private static (bool Found, long Version) Found(KeyValueState state, string key)
    {
        var (found, version, _) = state.GetLatest(key);
        return (found, version);
    }
}
