using Orleans.Replication.Client;

namespace Orleans.Replication.Cli;

/// <summary><c>get --session TOKEN</c>: a read through the session a write's token names.</summary>
/// <remarks>
/// A process that reads once and exits has no session of its own: read-your-writes needs the token of the write
/// (<c>session=EPOCH:INDEX</c>, printed by put, delete and cas). So a session read without a token is refused as
/// a usage error before anything connects, instead of a failure from the library.
/// </remarks>
internal static class SessionReads
{
    /// <summary>
    /// The options of the read: <paramref name="options"/>, with <see cref="ReadConsistency.Session"/> when a token is
    /// given and the consistency was not (<paramref name="consistencyGiven"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A session read without a token.</exception>
    /// <exception cref="FormatException">The token is not <c>EPOCH:INDEX</c>.</exception>
    public static ReadOptions Options(ReadOptions options, bool consistencyGiven, string? token)
    {
        if (token is null)
        {
            return options.Consistency is { Kind: ReadConsistencyKind.Session }
                ? throw new ArgumentException(
                    "--consistency session needs --session EPOCH:INDEX, the token that put, delete or cas printed " +
                    "(session=...): "
                    + "a command-line read has no session of its own to read through.")
                : options;
        }

        if (!SessionToken.TryParse(token, out _))
        {
            throw new FormatException(
                $"--session '{token}' is not a session token: give EPOCH:INDEX as put prints it (session=3:17)."
            );
        }

        return consistencyGiven ? options : options with { Consistency = ReadConsistency.Session };
    }

    /// <summary>
    /// What the read goes through: the session resumed from <paramref name="token"/>, or the group itself without one.
    /// </summary>
    public static IReplicatedOperations Reader(IReplicatedGroup group, string? token) =>
        token is null ? group : group.ResumeSession(token);
}
