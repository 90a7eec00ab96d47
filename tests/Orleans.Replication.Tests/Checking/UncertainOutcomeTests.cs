using Orleans.Replication.Testing.Checking;
using static Orleans.Replication.Tests.Checking.Ops;

namespace Orleans.Replication.Tests.Checking;

/// <summary>Operations of unknown outcome (may have taken effect, or not) and failed ones (took no effect).</summary>
public sealed class UncertainOutcomeTests
{
    [Fact]
    public void UnknownWrite_MayHaveHappened()
    {
        AssertLinearizable(Write(0, "a", 0, 10), UnknownWrite(1, "b", 20), Read(2, "b", 30, 40));
    }

    [Fact]
    public void UnknownWrite_MayNotHaveHappened()
    {
        AssertLinearizable(Write(0, "a", 0, 10), UnknownWrite(1, "b", 20), Read(2, "a", 30, 40));
    }

    [Fact]
    public void UnknownWrite_MayTakeEffectLongAfterItsInvocation()
    {
        AssertLinearizable(
            UnknownWrite(1, "b", 0),
            Write(0, "a", 10, 20),
            Read(2, "a", 30, 40),
            Read(2, "b", 50, 60));
    }

    [Fact]
    public void UnknownWrite_OnceObserved_CannotBeUndone()
    {
        AssertViolation(
            "k",
            Write(0, "a", 0, 10),
            UnknownWrite(1, "b", 20),
            Read(2, "b", 30, 40),
            Read(2, "a", 50, 60)
        );
    }

    [Fact]
    public void UnknownWrite_CannotTakeEffectBeforeItsInvocation()
    {
        AssertViolation("k", Write(0, "a", 0, 10), Read(2, "b", 20, 30), UnknownWrite(1, "b", 40));
    }

    [Fact]
    public void UnknownWriteWithAnInfoCompletion_IsStillOpenEnded()
    {
        // An info completion says nothing about when it took effect: it may be after the info line was logged.
        var info = UnknownWrite(1, "b", 20) with { CompleteTime = 25 };

        AssertLinearizable(Write(0, "a", 0, 10), info, Read(2, "a", 30, 40), Read(2, "b", 50, 60));
    }

    [Fact]
    public void UnknownCompareAndSet_MayHaveSucceededOrNot()
    {
        var unknownCas = Cas(1, "a", "b", 20, 30) with { Outcome = OperationOutcome.Unknown };

        AssertLinearizable(Write(0, "a", 0, 10), unknownCas, Read(2, "b", 40, 50));
        AssertLinearizable(Write(0, "a", 0, 10), unknownCas, Read(2, "a", 40, 50));
    }

    [Fact]
    public void UnknownCompareAndSet_CannotSucceedAgainstTheWrongValue()
    {
        var unknownCas = Cas(1, "z", "b", 20, 30) with { Outcome = OperationOutcome.Unknown };

        AssertViolation("k", Write(0, "a", 0, 10), unknownCas, Read(2, "b", 40, 50));
    }

    [Fact]
    public void UnknownRead_IsIgnoredWhateverItClaims()
    {
        var unknownRead = Read(1, "nonsense", 20, 30) with { Outcome = OperationOutcome.Unknown };

        var result = Check(Write(0, "a", 0, 10), unknownRead);

        Assert.True(result.IsLinearizable, result.ToString());
        Assert.Equal(1, result.Keys[0].OperationCount);
    }

    [Fact]
    public void FailedWrite_NeverObserved_IsFine()
    {
        AssertLinearizable(Write(0, "a", 0, 10), FailedWrite(1, "b", 20, 30), Read(2, "a", 40, 50));
    }

    [Fact]
    public void ReadOfAFailedWritesValue_IsAViolation()
    {
        AssertViolation("k", Write(0, "a", 0, 10), FailedWrite(1, "b", 20, 30), Read(2, "b", 40, 50));
    }

    [Fact]
    public void FailedCompareAndSet_TookNoEffect()
    {
        var failedCas = Cas(1, "a", "b", 20, 30) with { Outcome = OperationOutcome.Fail };

        AssertLinearizable(Write(0, "a", 0, 10), failedCas, Read(2, "a", 40, 50));
        AssertViolation("k", Write(0, "a", 0, 10), failedCas, Read(2, "b", 40, 50));
    }
}
