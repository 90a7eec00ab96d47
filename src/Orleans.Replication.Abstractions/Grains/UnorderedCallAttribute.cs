using Orleans.CodeGeneration;

namespace Orleans.Replication;

/// <summary>
/// Marks a grain method whose calls from one client need not arrive in the order they were sent: an Orleans client
/// then sends each call through the next of its gateways in turn, instead of through the one gateway that the grain's
/// id is pinned to.
/// </summary>
/// <remarks>
/// A client pins every ordered call to a grain to one gateway connection while that connection is open
/// (<c>ClientMessageCenter</c>). A gateway whose process is frozen keeps its connections open, so every call to
/// the grains pinned to it would hang until its timeout; unordered calls that time out are retried through another
/// gateway. Orleans' own <c>[Unordered]</c> interface attribute is obsolete and has no effect in Orleans 10: the
/// flag is set per call, as <c>[ReadOnly]</c> and <c>[OneWay]</c> set theirs. Silos ignore it (they send straight
/// to the silo that hosts the grain). Only methods whose callers do not depend on the order of their calls are
/// marked: every write carries its id and the primary deduplicates retries; routes carry epochs, and a client
/// never goes back to an older one.
/// </remarks>
[InvokableCustomInitializer(nameof(IRequest.AddInvokeMethodOptions), InvokeMethodOptions.Unordered)]
[AttributeUsage(AttributeTargets.Method)]
public sealed class UnorderedCallAttribute : Attribute
{
}
