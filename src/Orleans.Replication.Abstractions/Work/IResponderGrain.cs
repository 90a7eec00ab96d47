namespace Orleans.Replication.Work;

/// <summary>Runs the tasks of one pool on one silo; keyed <c>"{pool}/{silo}"</c> and placed on that silo.</summary>
/// <remarks>
/// <see cref="StartAsync"/> returns as soon as the task is accepted; the handler runs off the grain's turn, under the
/// task's timeout, and the outcome is reported to the pool's controller with
/// <see cref="ITaskControllerGrain.CompleteAsync"/>.
/// </remarks>
[Alias("orepl.IResponderGrain")]
public interface IResponderGrain : IGrainWithStringKey
{
    /// <summary>Starts one attempt of a task and returns at once.</summary>
    [Alias("Start")]
    Task StartAsync(TaskAssignment assignment);

    /// <summary>Answers with the silo the responder runs on (a health probe).</summary>
    [Alias("Ping")]
    Task<string> PingAsync();
}
