using System.Collections.Concurrent;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.ClusterTests;

/// <summary>
/// Counts the replication calls each node grain receives, by what they carry. A silo-wide incoming call filter.
/// </summary>
internal sealed class AppendCallCounter : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<string, Counts> ByNode = new();

    /// <summary>The calls node <paramref name="key"/> (<c>"{group}/{index}"</c>) has received so far.</summary>
    public static Counts Of(string key) => ByNode.GetOrAdd(key, _ => new Counts());

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (
            context.MethodName == nameof(IReplicaNodeGrain.AppendAsync)
            && context.Request.GetArgument(0) is AppendRequest request
        )
        {
            var counts = Of(context.TargetId.Key.ToString()!);
            if (request.IsProbe)
            {
                Interlocked.Increment(ref counts.Probes);
            }
            else if (request.Entries.Length == 0)
            {
                Interlocked.Increment(ref counts.CommitOnly);
            }
            else
            {
                Interlocked.Increment(ref counts.WithEntries);
            }
        }

        return context.Invoke();
    }

    internal sealed class Counts
    {
        public long WithEntries;
        public long CommitOnly;
        public long Probes;
    }
}
