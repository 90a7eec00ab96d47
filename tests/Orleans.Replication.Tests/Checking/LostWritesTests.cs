using Orleans.Replication.Testing.Checking;
using static Orleans.Replication.Tests.Checking.Ops;

namespace Orleans.Replication.Tests.Checking;

public sealed class LostWritesTests
{
    [Fact]
    public void AReadAfterTheAcknowledgementThatSeesAnOlderValueProvesTheWriteLost()
    {
        var lost = LostWrites.Find([
            Write(0, "a", 0, 10),
            Write(1, "b", 20, 30),
            Read(2, "a", 40, 50),
        ]);

        var only = Assert.Single(lost);
        Assert.Equal("b", only.Write.Value);
        Assert.Equal("a", only.Read.Value);
    }

    [Fact]
    public void AReadOfAbsentAfterAnAcknowledgedWriteProvesItLost()
    {
        var lost = LostWrites.Find([Write(0, "a", 0, 10), Read(1, null, 20, 30)]);
        Assert.Equal("a", Assert.Single(lost).Write.Value);
    }

    [Fact]
    public void ANewerOrConcurrentValueIsNoLoss()
    {
        Assert.Empty(LostWrites.Find([
            Write(0, "a", 0, 10),
            Write(1, "b", 5, 30),   // concurrent with a: either order is allowed
            Read(2, "a", 40, 50),
            Write(3, "c", 60, 70),
            Read(4, "c", 80, 90),
            Read(5, "a", 8, 9),     // invoked before "c" was acknowledged
        ]));
    }

    [Fact]
    public void AValueAnUnknownWriteMayHaveWrittenLaterIsNoLoss()
    {
        Assert.Empty(LostWrites.Find([
            Write(0, "a", 0, 10),
            Write(1, "b", 20, 30),
            UnknownWrite(2, "a", 25),
            Read(3, "a", 40, 50),
        ]));
    }

    [Fact]
    public void KeysAreIndependent()
    {
        Assert.Empty(LostWrites.Find([Write(0, "a", 0, 10, key: "x"), Read(1, null, 20, 30, key: "y")]));
    }
}
