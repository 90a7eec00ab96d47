using System.Diagnostics;
using Xunit.Sdk;

namespace Orleans.Replication.ClusterTests;

/// <summary>Waiting on a condition with a deadline, instead of sleeping.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> describe)
    {
        var watch = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or Replication.ReplicationException)
            {
                // A node being moved or re-activated may refuse a call for a moment: that is "not yet".
                last = e;
            }

            if (watch.Elapsed > timeout)
            {
                string description;
                try
                {
                    description = await describe();
                }
                catch (Exception e)
                {
                    description = "(could not describe: " + e.Message + ")";
                }

                throw new XunitException(
                    $"Condition not met within {timeout.TotalSeconds:0.#} s: {description}"
                        + (last is null ? "" : $"; last error: {last.Message}")
                );
            }

            await Task.Delay(20);
        }
    }

    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string description) =>
        HoldsAsync(condition, timeout, () => Task.FromResult(description));

    /// <summary>
    /// Waits until every node of <paramref name="group"/> reports having applied <paramref name="index"/>.
    /// </summary>
    public static Task AppliedEverywhereAsync(Client.IReplicatedGroup group, long index, TimeSpan timeout) =>
        HoldsAsync(
            async () => (await group.GetStatusAsync()).Nodes.All(n => n.AppliedIndex >= index),
            timeout,
            async () =>
                string.Join(
                    ", ",
                    (await group.GetStatusAsync()).Nodes.Select(n => $"node {n.NodeIndex} applied {n.AppliedIndex}")
                )
        );

    /// <summary>
    /// Waits until <paramref name="group"/> sends writes to node <paramref name="nodeIndex"/> through the ingress of
    /// its silo.
    /// </summary>
    public static Task WritesGoDirectAsync(Client.ReplicatedGroup group, int nodeIndex, TimeSpan timeout) =>
        HoldsAsync(
            () => Task.FromResult(group.WritesGoDirect(nodeIndex)),
            timeout,
            $"writes to node {nodeIndex} never went through an ingress"
        );
}
