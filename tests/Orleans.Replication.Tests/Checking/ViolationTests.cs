using static Orleans.Replication.Tests.Checking.Ops;

namespace Orleans.Replication.Tests.Checking;

/// <summary>Planted consistency violations, each found and explained.</summary>
public sealed class ViolationTests
{
    [Fact]
    public void StaleReadAfterACompletedWrite_IsAViolation()
    {
        var overwrite = Write(1, "b", 20, 30);
        var staleRead = Read(2, "a", 40, 50);

        var violation = AssertViolation("k", Write(0, "a", 0, 10), overwrite, staleRead);

        Assert.Equal(overwrite, violation.Operations[0]);
        Assert.Contains(staleRead, violation.Operations);
        Assert.Contains("place, before it completed, p1 write \"k\" := \"b\" @20..30 ok", violation.Explanation);
        Assert.Contains("cannot change from \"a\"", violation.Explanation);
        Assert.Contains("p2 read \"k\" -> \"a\" @40..50 ok", violation.Explanation);
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

        Assert.Contains(lateCas, violation.Operations);
        Assert.Contains(lateCas.ToString(), violation.Explanation);
    }

    [Fact]
    public void TwoCompareAndSetsFromTheSameValue_CannotBothSucceed()
    {
        AssertViolation("k", Write(0, "a", 0, 10), Cas(1, "a", "b", 20, 40), Cas(2, "a", "c", 20, 40));
    }

    [Fact]
    public void Explanation_ListsEveryOperationInvolved()
    {
        var violation = AssertViolation(
            "k",
            Write(0, "a", 0, 100),
            Write(1, "b", 0, 100),
            Read(2, "a", 10, 20),
            Read(2, "b", 30, 40),
            Read(3, "b", 10, 20),
            Read(3, "a", 30, 40));

        Assert.Contains("pending then:", violation.Explanation);
        Assert.All(violation.Operations, o => Assert.Contains(o.ToString(), violation.Explanation));
    }

    [Fact]
    public void Explanation_OfAHistoryThatCannotEvenStart_SaysSo()
    {
        // The read of "a" needs the write first, but the write would leave "absent" for good, which the later read
        // needs.
        var early = Read(0, "a", 0, 10);

        var violation = AssertViolation("k", early, Write(1, "a", 5, 20), Read(2, null, 30, 40));

        Assert.Contains("No operation can even come first", violation.Explanation);
        Assert.Equal(early, violation.Operations[0]);
    }

    [Fact]
    public void Explanation_OfAValueNobodyWroteInTime_NamesTheObserver()
    {
        var read = Read(1, "a", 0, 10);

        var violation = AssertViolation("k", read, Write(0, "a", 20, 30));

        Assert.Equal([read], violation.Operations);
        Assert.Contains(
            $"{read} needs the value \"a\", which no operation invoked before it completed writes",
            violation.Explanation
        );
    }
}
