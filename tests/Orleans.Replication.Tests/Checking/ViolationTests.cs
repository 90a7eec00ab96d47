using static Orleans.Replication.Tests.Checking.Ops;

namespace Orleans.Replication.Tests.Checking;

/// <summary>Planted consistency violations, each found and explained.</summary>
public sealed class ViolationTests
{
    [Fact]
    public void StaleReadAfterACompletedWrite_IsAViolation()
    {
        var staleRead = Read(2, "a", 40, 50);

        var violation = AssertViolation("k", Write(0, "a", 0, 10), Write(1, "b", 20, 30), staleRead);

        Assert.Equal(staleRead, violation.Operations[0]);
        Assert.Contains("p2 read \"k\" -> \"a\" @40..50 ok", violation.Explanation);
        Assert.Contains("leaving the value \"b\"", violation.Explanation);
    }

    [Fact]
    public void ReadOfAbsentAfterACompletedWrite_IsAViolation()
    {
        AssertViolation("k", Write(0, "a", 0, 10), Read(1, null, 20, 30));
    }

    [Fact]
    public void ReadOfAValueNeverWritten_IsAViolation()
    {
        var violation = AssertViolation("k", Write(0, "a", 0, 10), Read(1, "ghost", 20, 30));

        Assert.Contains("\"ghost\"", violation.Explanation);
    }

    [Fact]
    public void ReadOfAValueBeforeItsWriteWasInvoked_IsAViolation()
    {
        AssertViolation("k", Read(1, "a", 0, 10), Write(0, "a", 20, 30));
    }

    [Fact]
    public void TwoReadersSeeingTwoWritesInOppositeOrders_IsAViolation()
    {
        // Both writes span the whole test, but one reader sees a then b and the other b then a: no single order
        // of the two writes explains both.
        var violation = AssertViolation(
            "k",
            Write(0, "a", 0, 100),
            Write(1, "b", 0, 100),
            Read(2, "a", 10, 20),
            Read(2, "b", 30, 40),
            Read(3, "b", 10, 20),
            Read(3, "a", 30, 40));

        Assert.True(violation.Operations.Count >= 2, violation.Explanation);
    }

    [Fact]
    public void ReadersAgreeingOnTheOrderOfTwoWrites_AreFine()
    {
        AssertLinearizable(
            Write(0, "a", 0, 100),
            Write(1, "b", 0, 100),
            Read(2, "a", 10, 20),
            Read(2, "b", 30, 40),
            Read(3, "a", 10, 20),
            Read(3, "b", 30, 40));
    }

    [Fact]
    public void CompareAndSetSucceedingAgainstAnOverwrittenValue_IsAViolation()
    {
        var lateCas = Cas(2, "a", "c", 40, 50);

        var violation = AssertViolation("k", Write(0, "a", 0, 10), Write(1, "b", 20, 30), lateCas);

        Assert.Equal(lateCas, violation.Operations[0]);
    }

    [Fact]
    public void TwoCompareAndSetsFromTheSameValue_CannotBothSucceed()
    {
        AssertViolation("k", Write(0, "a", 0, 10), Cas(1, "a", "b", 20, 40), Cas(2, "a", "c", 20, 40));
    }

    [Fact]
    public void Explanation_ListsTheOperationsAroundTheBlockedOne()
    {
        var concurrentWrite = Write(3, "c", 35, 60);

        var violation = AssertViolation("k", Write(0, "a", 0, 10), Write(1, "b", 20, 30), concurrentWrite, Read(2, "a", 40, 50));

        Assert.Contains(concurrentWrite, violation.Operations);
        Assert.Contains(concurrentWrite.ToString(), violation.Explanation);
    }
}
