namespace Orleans.Replication.Hosting;

/// <summary>The runtime's socket setting that the silo host and the command-line tool turn on by default.</summary>
internal static class SocketTuning
{
    /// <summary>The runtime reads this variable once, when the process first uses a socket: "1" runs socket completions on the event thread.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline socket completions on for this process unless its environment already says either way; a no-op once a socket was used.</summary>
    public static void PreferInlineCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }
}
