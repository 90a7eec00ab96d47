using System.Collections.Concurrent;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// Freezes chosen grains of an in-process cluster, as SIGSTOP freezes a process: every call to a frozen grain waits
/// until it is thawed (callers see their own timeouts). A silo-wide incoming call filter, so the grains carry no hook.
/// </summary>
internal sealed class Freezer : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Frozen = new();

    /// <summary>Freezes the grain with string key <paramref name="key"/> (a node: <c>"{group}/{index}"</c>).</summary>
    public static void Freeze(string key) => Frozen.TryAdd(key, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Lets the calls held for <paramref name="key"/> and all later ones through.</summary>
    public static void Thaw(string key)
    {
        if (Frozen.TryRemove(key, out var gate))
        {
            gate.TrySetResult();
        }
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (!Frozen.IsEmpty && context.TargetId.Key.ToString() is { } key && Frozen.TryGetValue(key, out var gate))
        {
            await gate.Task;
        }

        await context.Invoke();
    }
}
