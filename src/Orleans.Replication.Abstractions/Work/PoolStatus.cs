using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Work;

/// <summary>A pool's counts and responders, as its controller sees them.</summary>
/// <param name="Pool">The pool name.</param>
/// <param name="Strategy">The pool's load-balancing strategy.</param>
/// <param name="Queued">Tasks waiting.</param>
/// <param name="Running">Tasks handed to a responder and not finished.</param>
/// <param name="Succeeded">Tasks that succeeded since the controller was activated.</param>
/// <param name="Failed">Tasks that failed or timed out since the controller was activated.</param>
/// <param name="Retried">Attempts run again because a responder's silo left the cluster.</param>
/// <param name="UnfetchedResults">Finished tasks whose result was not fetched yet.</param>
/// <param name="QueueCapacity">The most tasks that may wait.</param>
/// <param name="Responders">One per silo known to membership.</param>
[GenerateSerializer, Immutable, Alias("orepl.PoolStatus")]
public sealed record PoolStatus(
    [property: Id(0)] string Pool,
    [property: Id(1)] LoadBalancingStrategy Strategy,
    [property: Id(2)] int Queued,
    [property: Id(3)] int Running,
    [property: Id(4)] long Succeeded,
    [property: Id(5)] long Failed,
    [property: Id(6)] long Retried,
    [property: Id(7)] int UnfetchedResults,
    [property: Id(8)] int QueueCapacity,
    [property: Id(9)] IReadOnlyList<ResponderStatus> Responders);

/// <summary>One responder as the controller sees it.</summary>
/// <param name="Id">Its number in the pool (stable while its silo lives).</param>
/// <param name="Silo">Its silo.</param>
/// <param name="Healthy">Its silo is active in membership and it answered its last probe.</param>
/// <param name="Problem">Why it is not healthy, else null.</param>
/// <param name="InFlight">Tasks it runs now.</param>
/// <param name="AverageResponseMs">Moving average of its last 100 task times.</param>
/// <param name="Completed">Attempts it finished.</param>
[GenerateSerializer, Immutable, Alias("orepl.ResponderStatus")]
public sealed record ResponderStatus(
    [property: Id(0)] int Id,
    [property: Id(1)] string Silo,
    [property: Id(2)] bool Healthy,
    [property: Id(3)] string? Problem,
    [property: Id(4)] int InFlight,
    [property: Id(5)] double AverageResponseMs,
    [property: Id(6)] long Completed);

/// <summary>What a pool can run and its limits.</summary>
/// <param name="Handlers">Task handler names.</param>
/// <param name="Mappers">MapReduce mapper names.</param>
/// <param name="Reducers">MapReduce reducer names.</param>
/// <param name="MaxPayloadBytes">The largest payload a task may carry.</param>
/// <param name="QueueCapacity">The most tasks that may wait.</param>
/// <param name="Slots">Tasks the pool runs at once now (healthy responders times tasks per responder).</param>
[GenerateSerializer, Immutable, Alias("orepl.WorkCatalog")]
public sealed record WorkCatalog(
    [property: Id(0)] IReadOnlyList<string> Handlers,
    [property: Id(1)] IReadOnlyList<string> Mappers,
    [property: Id(2)] IReadOnlyList<string> Reducers,
    [property: Id(3)] int MaxPayloadBytes,
    [property: Id(4)] int QueueCapacity,
    [property: Id(5)] int Slots);
