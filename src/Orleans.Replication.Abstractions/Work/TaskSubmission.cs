using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Work;

/// <summary>A task handed to a pool's controller.</summary>
/// <param name="TaskId">The caller's id for the task (1..<see cref="WorkLimits.MaxTaskIdLength"/> characters); a second
/// submission with it returns the first.</param>
/// <param name="Handler">The name of an <c>ITaskHandler</c> registered on the silos.</param>
/// <param name="Payload">The handler's input, at most the pool's payload limit.</param>
/// <param name="Timeout">How long one attempt may run; null for the pool's default.</param>
/// <param name="Strategy">How to pick the responder for this task; null for the pool's strategy.</param>
[GenerateSerializer, Immutable, Alias("orepl.TaskSubmission")]
public sealed record TaskSubmission(
    [property: Id(0)] string TaskId,
    [property: Id(1)] string Handler,
    [property: Id(2)] byte[] Payload,
    [property: Id(3)] TimeSpan? Timeout = null,
    [property: Id(4)] LoadBalancingStrategy? Strategy = null);

/// <summary>The answer to a submission.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="State">The task's state now.</param>
/// <param name="Duplicate">True when the id was already known: nothing new was queued.</param>
[GenerateSerializer, Immutable, Alias("orepl.SubmitReceipt")]
public sealed record SubmitReceipt(
    [property: Id(0)] string TaskId,
    [property: Id(1)] WorkTaskState State,
    [property: Id(2)] bool Duplicate);

/// <summary>A task's state and, once finished, its outcome.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="State">Its state.</param>
/// <param name="Output">The handler's result when <see cref="WorkTaskState.Succeeded"/>; else null.</param>
/// <param name="Error">Why it failed or timed out; else null.</param>
/// <param name="Attempts">How many times it was handed to a responder (more than one when a responder's silo
/// died).</param>
/// <param name="ResponderId">The responder of the last attempt (-1 before the first).</param>
/// <param name="Silo">The silo of the last attempt, or null.</param>
/// <param name="ElapsedMs">Milliseconds from submission to completion (or until now).</param>
[GenerateSerializer, Immutable, Alias("orepl.TaskResult")]
public sealed record TaskResult(
    [property: Id(0)] string TaskId,
    [property: Id(1)] WorkTaskState State,
    [property: Id(2)] byte[]? Output,
    [property: Id(3)] string? Error,
    [property: Id(4)] int Attempts,
    [property: Id(5)] int ResponderId,
    [property: Id(6)] string? Silo,
    [property: Id(7)] double ElapsedMs);

/// <summary>One attempt of a task, from the controller to a responder.</summary>
/// <param name="Pool">The pool (the controller's key).</param>
/// <param name="TaskId">The task id.</param>
/// <param name="Attempt">The attempt number (1 for the first); outcomes of older attempts are ignored.</param>
/// <param name="Handler">The handler name.</param>
/// <param name="Payload">The input.</param>
/// <param name="Timeout">How long the handler may run.</param>
/// <param name="Incarnation">The controller activation that sent it; another activation (after the controller's silo
/// died) ignores its outcome.</param>
[GenerateSerializer, Immutable, Alias("orepl.TaskAssignment")]
public sealed record TaskAssignment(
    [property: Id(0)] string Pool,
    [property: Id(1)] string TaskId,
    [property: Id(2)] int Attempt,
    [property: Id(3)] string Handler,
    [property: Id(4)] byte[] Payload,
    [property: Id(5)] TimeSpan Timeout,
    [property: Id(6)] Guid Incarnation);

/// <summary>The outcome of one attempt, from a responder to the controller.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="Attempt">The attempt number it answers.</param>
/// <param name="State"><see cref="WorkTaskState.Succeeded"/>, <see cref="WorkTaskState.Failed"/> or
/// <see cref="WorkTaskState.TimedOut"/>.</param>
/// <param name="Output">The result on success.</param>
/// <param name="Error">The reason otherwise.</param>
/// <param name="Silo">The silo that ran it.</param>
/// <param name="DurationMs">How long the handler ran.</param>
/// <param name="Incarnation">The controller activation that sent the attempt.</param>
[GenerateSerializer, Immutable, Alias("orepl.AttemptOutcome")]
public sealed record AttemptOutcome(
    [property: Id(0)] string TaskId,
    [property: Id(1)] int Attempt,
    [property: Id(2)] WorkTaskState State,
    [property: Id(3)] byte[]? Output,
    [property: Id(4)] string? Error,
    [property: Id(5)] string Silo,
    [property: Id(6)] double DurationMs,
    [property: Id(7)] Guid Incarnation);
