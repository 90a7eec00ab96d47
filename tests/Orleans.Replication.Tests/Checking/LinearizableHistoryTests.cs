using Orleans.Replication.Testing.Checking;
using static Orleans.Replication.Tests.Checking.Ops;

namespace Orleans.Replication.Tests.Checking;

/// <summary>Histories that are linearizable: sequential ones, and concurrent ones that fit only one order.</summary>
public sealed class LinearizableHistoryTests
{
    [Fact]
    public void EmptyHistory_IsLinearizable()
    {
        var result = LinearizabilityChecker.Check([]);

        Assert.True(result.IsLinearizable);
        Assert.Empty(result.Keys);
        Assert.Null(result.FirstViolation);
    }

    [Fact]
    public void SequentialWritesAndReads_AreLinearizable()
    {
        AssertLinearizable(
            Read(0, null, 0, 5),
            Write(0, "a", 10, 20),
            Read(1, "a", 30, 40),
            Write(1, "b", 50, 60),
            Read(0, "b", 70, 80),
            Write(0, null, 90, 100),
            Read(1, null, 110, 120));
    }

    [Fact]
    public void SequentialCompareAndSets_AreLinearizable()
    {
        AssertLinearizable(
            Cas(0, null, "a", 0, 10),
            Cas(1, "a", "b", 20, 30),
            Read(2, "b", 40, 50),
            Cas(0, "b", null, 60, 70),
            Read(1, null, 80, 90));
    }

    [Fact]
    public void ConcurrentWrites_ReadsDecideTheirOrder()
    {
        // "a" and "b" are written at once; the read of "a" inside them and the later read of "b" allow only a, then b.
        AssertLinearizable(
            Write(0, "a", 0, 50),
            Write(1, "b", 10, 60),
            Read(2, "a", 20, 30),
            Read(2, "b", 70, 80));
    }

    [Fact]
    public void ConcurrentWrites_EitherOrderIsFineWhenNothingObservesIt()
    {
        AssertLinearizable(Write(0, "a", 0, 100), Write(1, "b", 0, 100), Read(2, "a", 110, 120));
        AssertLinearizable(Write(0, "a", 0, 100), Write(1, "b", 0, 100), Read(2, "b", 110, 120));
    }

    [Fact]
    public void ConcurrentCompareAndSets_FitTheOnlyChainThatWorks()
    {
        // Listed in the wrong order on purpose: only null -> a -> b -> c succeeds three times.
        AssertLinearizable(
            Cas(0, "b", "c", 0, 100),
            Cas(1, "a", "b", 0, 100),
            Cas(2, null, "a", 0, 100),
            Read(3, "c", 110, 120));
    }

    [Fact]
    public void ReadConcurrentWithAWrite_MaySeeTheOldOrTheNewValue()
    {
        AssertLinearizable(Write(0, "a", 0, 10), Write(1, "b", 20, 60), Read(2, "a", 30, 40), Read(3, "b", 30, 40));
    }

    [Fact]
    public void OperationsTouchingAtOneInstant_CountAsConcurrent()
    {
        // The read is invoked at the instant the write completes, and may be ordered either way.
        AssertLinearizable(Write(0, "a", 0, 10), Write(1, "b", 10, 20), Read(2, "a", 20, 30));
    }

    [Fact]
    public void Keys_AreCheckedIndependently()
    {
        // Interleaved in real time, the two keys would contradict one register; each alone is fine.
        var result = Check(
            Write(0, "a", 0, 10, key: "x"),
            Write(1, "b", 20, 30, key: "y"),
            Read(2, "a", 40, 50, key: "x"),
            Read(3, "b", 40, 50, key: "y"),
            Read(4, null, 60, 70, key: "z"));

        Assert.True(result.IsLinearizable, result.ToString());
        Assert.Equal(["x", "y", "z"], result.Keys.Select(k => k.Key));
        Assert.All(result.Keys, k => Assert.Equal(CheckVerdict.Linearizable, k.Verdict));
        Assert.Equal([2, 2, 1], result.Keys.Select(k => k.OperationCount));
    }

    [Fact]
    public void AViolationOnOneKey_LeavesTheOtherKeysValid()
    {
        var result = Check(
            Write(0, "a", 0, 10, key: "good"),
            Read(1, "a", 20, 30, key: "good"),
            Write(0, "a", 0, 10, key: "bad"),
            Read(1, "nope", 20, 30, key: "bad"));

        Assert.Equal(CheckVerdict.NotLinearizable, result.Verdict);
        Assert.Equal("bad", result.FirstViolation?.Key);
        Assert.True(result.Keys.Single(k => k.Key == "good").IsLinearizable);
    }

    [Fact]
    public void OkOperationWithoutCompletionTime_IsRejected()
    {
        var broken = Write(0, "a", 0, 10) with { CompleteTime = null };

        var error = Assert.Throws<ArgumentException>(() => Check(broken));
        Assert.Contains("no completion time", error.Message);
    }
}
