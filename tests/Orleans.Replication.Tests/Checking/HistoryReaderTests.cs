using Orleans.Replication.Testing.Checking;

namespace Orleans.Replication.Tests.Checking;

/// <summary>Reading JSON-lines histories, writing them back, and rejecting bad lines by number.</summary>
public sealed class HistoryReaderTests
{
    [Fact]
    public void Parse_MatchesInvokesWithTheirCompletions()
    {
        const string text = """
            {"process":0,"type":"invoke","f":"write","key":"k","value":"a","time":10}
            {"process":1,"type":"invoke","f":"read","key":"k","value":null,"time":15}
            {"process":0,"type":"ok","f":"write","key":"k","value":"a","time":20}

            {"process":1,"type":"ok","f":"read","key":"k","value":"a","time":25,"index":4}
            {"process":2,"type":"invoke","f":"cas","key":"k","value":["a","b"],"time":30}
            {"process":3,"type":"invoke","f":"write","key":"k","value":7,"time":31}
            {"process":2,"type":"info","f":"cas","key":"k","value":["a","b"],"time":40}
            {"process":3,"type":"fail","f":"write","key":"k","value":7,"time":41}
            {"process":4,"type":"invoke","f":"write","key":"k","value":null,"time":50}
            """;

        var operations = HistoryReader.Parse(text);

        Assert.Equal(
            [
                new HistoryOperation(0, OperationKind.Write, "k", "a", null, 10, 20, OperationOutcome.Ok),
                new HistoryOperation(1, OperationKind.Read, "k", "a", null, 15, 25, OperationOutcome.Ok),
                new HistoryOperation(2, OperationKind.Cas, "k", "b", "a", 30, 40, OperationOutcome.Unknown),
                new HistoryOperation(3, OperationKind.Write, "k", "7", null, 31, 41, OperationOutcome.Fail),
                new HistoryOperation(4, OperationKind.Write, "k", null, null, 50, null, OperationOutcome.Unknown),
            ],
            operations);
    }

    [Fact]
    public void WriterOutput_ReadsBackAsTheSameOperations()
    {
        var history = RegisterSimulation.Generate(
            seed: 7,
            operations: 500,
            concurrency: 10,
            keys: 3,
            unknownRate: 0.05,
            failRate: 0.05
        );
        var text = new StringWriter();

        using (var writer = new HistoryWriter(text))
        {
            writer.WriteHistory(history);
        }

        var readBack = HistoryReader.Parse(text.ToString());

        Assert.Equal(Ordered(history), Ordered(readBack));
        Assert.True(LinearizabilityChecker.Check(readBack).IsLinearizable);
    }

    [Fact]
    public void Writer_RecordsConcurrentCallersLineByLine()
    {
        var text = new StringWriter();
        using (var writer = new HistoryWriter(text))
        {
            Parallel.For(0, 1000, i =>
            {
                var invoked = new HistoryOperation(
                    i,
                    OperationKind.Write,
                    $"k{i % 7}",
                    $"v{i}",
                    null,
                    i,
                    null,
                    OperationOutcome.Unknown
                );
                writer.WriteInvoke(invoked);
                writer.WriteCompletion(invoked with { CompleteTime = i + 1, Outcome = OperationOutcome.Ok });
            });
        }

        var operations = HistoryReader.Parse(text.ToString());

        Assert.Equal(1000, operations.Count);
        Assert.All(operations, o => Assert.Equal(OperationOutcome.Ok, o.Outcome));
    }

    [Fact]
    public void Writer_UsesTheDocumentedLineFormat()
    {
        var text = new StringWriter();
        using (var writer = new HistoryWriter(text))
        {
            var cas = new HistoryOperation(3, OperationKind.Cas, "k", "b", null, 5, 9, OperationOutcome.Ok);
            writer.WriteInvoke(cas);
            writer.WriteCompletion(cas);
        }

        Assert.Equal(
            """
            {"process":3,"type":"invoke","f":"cas","key":"k","value":[null,"b"],"time":5}
            {"process":3,"type":"ok","f":"cas","key":"k","value":[null,"b"],"time":9}

            """,
            text.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\",\"time\":1}\n{not json",
        2,
        "malformed JSON"
    )]
    [InlineData("[1,2]", 1, "expected a JSON object")]
    [InlineData(
        "{\"process\":0,\"type\":\"begin\",\"f\":\"read\",\"key\":\"k\",\"time\":1}",
        1,
        "unknown type \"begin\""
    )]
    [InlineData(
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"append\",\"key\":\"k\",\"time\":1}",
        1,
        "unknown f \"append\""
    )]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\"}", 1, "\"time\" must be an integer")]
    [InlineData(
        "{\"process\":\"zero\",\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\",\"time\":1}",
        1,
        "\"process\" must be an integer"
    )]
    [InlineData(
        "\n\n{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k\",\"value\":null,\"time\":1}",
        3,
        "no invoke pending"
    )]
    [InlineData(
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\",\"time\":1}\n" +
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\",\"time\":2}",
        2,
        "invokes again before completing its invoke of line 1"
    )]
    [InlineData(
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"k\",\"value\":\"a\",\"time\":1}",
        1,
        "2-element array"
    )]
    [InlineData("{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k\",\"time\":1}", 1, "needs a value")]
    [InlineData(
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"k\",\"value\":{},\"time\":1}",
        1,
        "a value must be"
    )]
    [InlineData(
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\",\"time\":1}\n" +
        "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"key\":\"k\",\"value\":\"a\",\"time\":2}",
        2,
        "does not match its invoke of line 1"
    )]
    [InlineData(
        "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"k\",\"time\":5}\n" +
        "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"key\":\"k\",\"value\":null,\"time\":4}",
        2,
        "earlier than its invoke"
    )]
    public void Parse_RejectsBadLines_NamingTheLine(string text, int line, string reason)
    {
        var error = Assert.Throws<FormatException>(() => HistoryReader.Parse(text));

        Assert.StartsWith($"History line {line}: ", error.Message);
        Assert.Contains(reason, error.Message);
    }

    private static List<HistoryOperation> Ordered(IEnumerable<HistoryOperation> operations) =>
        [.. operations.OrderBy(o => o.InvokeTime).ThenBy(o => o.Process)];
}
