using Microsoft.Extensions.Logging;

namespace Orleans.Replication.Client;

/// <summary>
/// What a group's client logs: route changes at information level, retries and fallbacks at debug level, nothing per
/// successful operation.
/// </summary>
internal sealed partial class ReplicatedGroup
{
    private static partial class Log
    {
        [LoggerMessage(
            1,
            LogLevel.Information,
            "Group {Group}: route changed to epoch {Epoch}, primary {Primary} of {NodeCount} nodes (was epoch " +
            "{OldEpoch}, primary {OldPrimary})."
        )]
        public static partial void RouteChanged(
            ILogger logger,
            string group,
            long epoch,
            int primary,
            int nodeCount,
            long oldEpoch,
            int oldPrimary
        );

        [LoggerMessage(
            2,
            LogLevel.Debug,
            "Group {Group}: first route: epoch {Epoch}, primary {Primary} of {NodeCount} nodes."
        )]
        public static partial void FirstRoute(ILogger logger, string group, long epoch, int primary, int nodeCount);

        [LoggerMessage(
            3,
            LogLevel.Debug,
            "Group {Group}: the coordinator gave no route in time ({Problem}); asking the nodes."
        )]
        public static partial void AskingNodes(ILogger logger, string group, string problem);

        [LoggerMessage(
            4,
            LogLevel.Debug,
            "Group {Group}: write {WriteId} tried again (attempt {Attempt}) after: {Problem}."
        )]
        public static partial void WriteRetry(ILogger logger, string group, Guid writeId, int attempt, string? problem);

        [LoggerMessage(
            5,
            LogLevel.Debug,
            "Group {Group}: strong read tried again (attempt {Attempt}) after: {Problem}."
        )]
        public static partial void StrongReadRetry(ILogger logger, string group, int attempt, string? problem);

        [LoggerMessage(6, LogLevel.Debug, "Group {Group}: a {Consistency} read moves on from node {Node}: {Problem}.")]
        public static partial void ReadMovesOn(
            ILogger logger,
            string group,
            ReadConsistency consistency,
            int node,
            string? problem
        );

        [LoggerMessage(
            7,
            LogLevel.Debug,
            "Group {Group}: primary {Primary} of epoch {Epoch} did not answer; told the coordinator."
        )]
        public static partial void PrimaryTrouble(ILogger logger, string group, int primary, long epoch);
    }
}
