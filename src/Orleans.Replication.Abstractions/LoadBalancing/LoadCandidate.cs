namespace Orleans.Replication.LoadBalancing;

/// <summary>What a strategy knows of one healthy candidate when it picks.</summary>
/// <param name="Id">The candidate's identity (a node index, a responder number).</param>
/// <param name="InFlight">Requests sent to it and not answered yet.</param>
/// <param name="AverageResponseMs">Its moving-average response time in milliseconds; 0 when nothing was measured
/// yet.</param>
/// <param name="LagEntries">Its replication lag in log entries (0 for candidates without a log).</param>
/// <param name="LagMs">Its replication lag in milliseconds (0 for candidates without a log).</param>
[GenerateSerializer, Immutable, Alias("orepl.LoadCandidate")]
public readonly record struct LoadCandidate(
    [property: Id(0)] int Id,
    [property: Id(1)] int InFlight,
    [property: Id(2)] double AverageResponseMs,
    [property: Id(3)] long LagEntries,
    [property: Id(4)] double LagMs);
