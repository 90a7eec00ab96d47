namespace Orleans.Replication.Work;

/// <summary>
/// A named kind of task that responders run; register it on every silo with <c>AddTaskHandler&lt;T&gt;()</c>.
/// </summary>
/// <remarks>
/// Handlers are singletons called concurrently from several tasks at once, on the thread pool (never on a grain turn):
/// they must be thread-safe. A handler should honour the token, which fires when the task's timeout passes; one that
/// does not is abandoned at the timeout and its late result ignored. An exception fails the task with its message
/// (the task is not retried: only the loss of a responder's silo runs a task again).
/// </remarks>
public interface ITaskHandler
{
    /// <summary>The name clients submit tasks under (1..128 characters, no spaces).</summary>
    string Name { get; }

    /// <summary>Runs one task.</summary>
    /// <param name="payload">The task's input.</param>
    /// <param name="cancellationToken">Fires when the task's timeout passes.</param>
    /// <returns>The task's result.</returns>
    Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}

/// <summary>A named MapReduce mapper; register it on every silo with <c>AddMapper&lt;T&gt;()</c>.</summary>
/// <remarks>Called concurrently on the thread pool; must be thread-safe.</remarks>
public interface IMapper
{
    /// <summary>The name jobs refer to.</summary>
    string Name { get; }

    /// <summary>
    /// Maps one chunk of input and combines the pairs it yields, returning one partial output for the chunk.
    /// </summary>
    ValueTask<byte[]> MapAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);
}

/// <summary>A named MapReduce reducer; register it on every silo with <c>AddReducer&lt;T&gt;()</c>.</summary>
/// <remarks>
/// Merges partial outputs (of mappers, or of earlier reductions) into one of the same form. It must be associative and
/// not depend on the order of its inputs: a job reduces the outputs of each responder first, then those results, in
/// whatever order they finish. Called concurrently on the thread pool; must be thread-safe.
/// </remarks>
public interface IReducer
{
    /// <summary>The name jobs refer to.</summary>
    string Name { get; }

    /// <summary>Merges <paramref name="partials"/> into one partial output.</summary>
    ValueTask<byte[]> ReduceAsync(IReadOnlyList<ReadOnlyMemory<byte>> partials, CancellationToken cancellationToken);
}
