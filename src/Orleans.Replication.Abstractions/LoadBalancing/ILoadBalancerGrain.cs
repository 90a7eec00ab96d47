namespace Orleans.Replication.LoadBalancing;

/// <summary>
/// The load-balancer state of one group, keyed by the group name: node health, load, lag and the read strategy.
/// </summary>
/// <remarks>
/// No read passes through it. Clients fetch a <see cref="RoutingSnapshot"/> now and then (together with what they
/// observed since the last exchange) and pick read nodes locally from it. A node leaves the rotation when it does
/// not answer, when its silo is not Active in Orleans membership, when its lag is above the policy's bound for
/// reads, or when its in-flight requests reach the policy's maximum load; it comes back once it recovers. Calls are
/// <see cref="UnorderedCallAttribute">unordered</see>: a client's exchanges do not overlap but for an explicit refresh,
/// and an in-flight figure that arrives late is replaced at the client's next exchange.
/// </remarks>
[Alias("orepl.ILoadBalancerGrain")]
public interface ILoadBalancerGrain : IGrainWithStringKey
{
    /// <summary>Takes a client's observations since its last exchange and returns the current snapshot for that
    /// client.</summary>
    /// <remarks>The in-flight counts in the answer leave out the reporting client's own, which it knows better
    /// itself.</remarks>
    [UnorderedCall, Alias("Exchange")]
    Task<RoutingSnapshot> ExchangeAsync(LoadReport report);

    /// <summary>The current snapshot, as an observer sees it (every client's in-flight counts included).</summary>
    [UnorderedCall, Alias("GetSnapshot")]
    Task<RoutingSnapshot> GetSnapshotAsync();

    /// <summary>Sets the group's read policy (strategy, lag bound, maximum load per node) and returns the snapshot
    /// under it.</summary>
    /// <exception cref="ArgumentException">The policy is invalid; nothing changed.</exception>
    [UnorderedCall, Alias("SetPolicy")]
    Task<RoutingSnapshot> SetPolicyAsync(ReadRoutingPolicy policy);
}
