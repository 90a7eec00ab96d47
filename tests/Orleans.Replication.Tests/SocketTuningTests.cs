using Orleans.Replication.Hosting;

namespace Orleans.Replication.Tests;

/// <summary>The silo host and the command-line tool turn inline socket completions on, unless the environment already says either way.</summary>
[Collection(nameof(SocketTuningTests))]
public sealed class SocketTuningTests : IDisposable
{
    private readonly string? _before = Environment.GetEnvironmentVariable(SocketTuning.InlineCompletionsVariable);

    public void Dispose() => Environment.SetEnvironmentVariable(SocketTuning.InlineCompletionsVariable, _before);

    [Fact]
    public void AnUnsetVariableIsSetToOne()
    {
        Environment.SetEnvironmentVariable(SocketTuning.InlineCompletionsVariable, null);

        SocketTuning.PreferInlineCompletions();

        Assert.Equal("1", Environment.GetEnvironmentVariable(SocketTuning.InlineCompletionsVariable));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    public void AValueTheEnvironmentGivesIsKept(string value)
    {
        Environment.SetEnvironmentVariable(SocketTuning.InlineCompletionsVariable, value);

        SocketTuning.PreferInlineCompletions();

        Assert.Equal(value, Environment.GetEnvironmentVariable(SocketTuning.InlineCompletionsVariable));
    }
}
