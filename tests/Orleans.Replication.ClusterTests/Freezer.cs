using System.Collections.Concurrent;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// Freezes chosen grains of an in-process cluster, as SIGSTOP freezes a process: every call to a frozen grain waits
/// until it is thawed (callers see their own timeouts). A silo-wide incoming call filter, so the grains carry no hook.
/// </summary>
internal sealed class Freezer : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Frozen = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Starved = new();
    private static readonly ConcurrentDictionary<string, int> Withheld = new();

    /// <summary>
    /// How many replication calls <see cref="Starve"/> has held for <paramref name="key"/>: proof that a primary
    /// reached the node.
    /// </summary>
    public static int WithheldCalls(string key) => Withheld.GetValueOrDefault(key);

    /// <summary>
    /// Holds the replication calls that would bring the node with key <paramref name="key"/> up to date (appends
    /// carrying entries, snapshot chunks), in every activation of it, while letting probes and everything else through:
    /// the node hears from its primary but stays behind, catching up.
    /// </summary>
    public static void Starve(string key) =>
        Starved.TryAdd(key, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Lets the replication calls held by <see cref="Starve"/> through.</summary>
    public static void Feed(string key)
    {
        Withheld.TryRemove(key, out _);
        if (Starved.TryRemove(key, out var gate))
        {
            gate.TrySetResult();
        }
    }

    /// <summary>Freezes the grain with string key <paramref name="key"/> (a node: <c>"{group}/{index}"</c>).</summary>
    public static void Freeze(string key) =>
        Frozen.TryAdd(key, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

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

        if (
            !Starved.IsEmpty
            && context.TargetId.Key.ToString() is { } starvedKey
            && Starved.TryGetValue(starvedKey, out var hunger)
            && (
                context.InterfaceMethod.Name == nameof(IReplicaNodeGrain.InstallSnapshotAsync)
                || (
                    context.InterfaceMethod.Name == nameof(IReplicaNodeGrain.AppendAsync)
                    && context.Request.GetArgument(0) is AppendRequest { Entries.Length: > 0 }
                )
            )
        )
        {
            Withheld.AddOrUpdate(starvedKey, 1, (_, n) => n + 1);
            await hunger.Task;
        }

        await context.Invoke();
    }
}
