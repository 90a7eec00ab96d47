using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>Serving reads under each consistency.</summary>
internal sealed partial class ReplicaNodeGrain
{
    public async Task<ReadReply> ReadAsync(ReadRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            ReplicationLimits.ValidateKey(request.Key, _options.MaxKeyBytes);
            request.Consistency.Validate(_nodeCount);
        }
        catch (ArgumentException e)
        {
            return Refuse(ReadStatus.Unavailable, e.Message);
        }

        if (Role == NodeRole.Unassigned)
        {
            return Refuse(ReadStatus.Unavailable, $"Node {_group}/{_index} has not been assigned a role.");
        }

        var timeout = request.Timeout > TimeSpan.Zero ? request.Timeout : TimeSpan.Zero;
        var deadline = _time.GetUtcNow() + timeout;
        switch (request.Consistency.Kind)
        {
            case ReadConsistencyKind.Strong:
                var epoch = _epoch;
                if (_primary is not { } primary)
                {
                    return Refuse(ReadStatus.NotPrimary, $"Node {_group}/{_index} is not the primary.");
                }

                // Nothing of this epoch may be read before the epoch's first entry commits; then a majority must
                // confirm we still lead.
                if (
                    !await WaitForAppliedAsync(primary.EpochStartIndex, timeout)
                    || !await ConfirmLeadershipAsync()
                    || _epoch != epoch
                    || _primary is null
                )
                {
                    return Refuse(
                        ReadStatus.NotPrimary,
                        $"Node {_group}/{_index} could not confirm with a majority that it is still the primary."
                    );
                }

                // A replica may have acknowledged a write of the key before this primary heard that it holds it.
                if (await WaitForKeyAsync(request.Key, deadline) is { } pendingIndex)
                {
                    return Refuse(
                        ReadStatus.NotPrimary,
                        $"Node {_group}/{_index} holds a write of the key at index {pendingIndex} that did not " +
                        "commit in time."
                    );
                }

                return Serve(request.Key, request.Consistency.Kind);

            case ReadConsistencyKind.Session:
                if (!await WaitForAppliedAsync(request.MinIndex, timeout))
                {
                    return Refuse(
                        ReadStatus.NotCaughtUp,
                        $"Node {_group}/{_index} has applied {_state.AppliedIndex}, the session needs " +
                        $"{request.MinIndex}."
                    );
                }

                return Serve(request.Key, request.Consistency.Kind);

            case ReadConsistencyKind.BoundedStaleness:
                var (lagEntries, lagMs) = ComputeLag();
                if (
                    lagEntries > request.Consistency.MaxLagEntries
                    || lagMs > request.Consistency.MaxLag.TotalMilliseconds
                )
                {
                    return Refuse(
                        ReadStatus.TooStale,
                        $"Node {_group}/{_index} is {lagEntries} entries and {lagMs:0} ms behind; the bound is " +
                        $"{request.Consistency.MaxLagEntries} entries and " +
                        $"{request.Consistency.MaxLag.TotalMilliseconds:0} ms."
                    );
                }

                return Serve(request.Key, request.Consistency.Kind);

            case ReadConsistencyKind.Quorum:
                return await ServeQuorumAsync(request.Key, timeout);

            default:
                return Serve(request.Key, request.Consistency.Kind);
        }
    }

    /// <summary>
    /// One node's part of a quorum read: its committed state, once every write of the key it holds in its log is
    /// applied or cut.
    /// </summary>
    /// <remarks>
    /// Never an uncommitted entry: a failover may cut it, and a reader must not see what a failover can lose. A write
    /// acknowledged with <see cref="WriteConcern.Majority"/> is in the log of a majority; a quorum of r nodes with W +
    /// R > N includes one of them, which waits here until the commit index covers the write (a replica of a group of
    /// three commits what it holds of its primary's epoch; otherwise the primary's commit index comes with its next
    /// batch or heartbeat, or the next primary's first entry commits it). An entry cut by a new primary stops the wait
    /// too. Committed states are prefixes of one log, so the client keeps the answer with the highest applied index. A
    /// node activated again empty holds nothing it confirmed before, so it takes no part until it has caught up.
    /// </remarks>
    private async Task<ReadReply> ServeQuorumAsync(string key, TimeSpan timeout)
    {
        if (!_caughtUp)
        {
            return Refuse(ReadStatus.Unavailable, $"Node {_group}/{_index} has not caught up since it was activated.");
        }

        if (await WaitForKeyAsync(key, _time.GetUtcNow() + timeout) is { } pending)
        {
            return Refuse(
                ReadStatus.NotCaughtUp,
                $"Node {_group}/{_index} holds a write of the key at index {pending} that did not commit in time " +
                $"(applied {_state.AppliedIndex})."
            );
        }

        return Serve(key, ReadConsistencyKind.Quorum);
    }

    /// <summary>
    /// Waits until the newest write of <paramref name="key"/> this node holds now is applied or cut; the index still
    /// pending at the deadline, or null. Writes of the key that arrive meanwhile are not waited for: none of them was
    /// acknowledged before the read came, and waiting for each next one would starve reads of a key written without
    /// pause.
    /// </summary>
    private async Task<long?> WaitForKeyAsync(string key, DateTimeOffset deadline)
    {
        var target = _state.PendingIndex(key);

        // Pending at the target or later: the entry is neither applied nor cut (a cut leaves the key's pending write
        // below it).
        while (target > _state.AppliedIndex && _state.PendingIndex(key) >= target)
        {
            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return target;
            }

            // A slice at a time: the entry may be cut instead of applied, which no applied-index waiter would notice.
            await WaitForAppliedAsync(
                target,
                remaining < _options.HeartbeatInterval ? remaining : _options.HeartbeatInterval
            );
        }

        return null;
    }

    private ReadReply Serve(string key, ReadConsistencyKind consistency)
    {
        Diagnostics.ReplicationMetrics.ReadServed(_group, _index, consistency);
        var (lagEntries, lagMs) = ComputeLag();
        return _state.TryGet(key, out var v)
            ? new ReadReply(
                ReadStatus.Ok,
                true,
                v.Value,
                v.Version,
                _index,
                _epoch,
                _state.AppliedIndex,
                lagEntries,
                lagMs,
                null
            )
            : new ReadReply(
                ReadStatus.Ok,
                false,
                null,
                0,
                _index,
                _epoch,
                _state.AppliedIndex,
                lagEntries,
                lagMs,
                null
            );
    }

    private ReadReply Refuse(ReadStatus status, string message)
    {
        var (lagEntries, lagMs) = ComputeLag();
        return new ReadReply(
            status,
            false,
            null,
            0,
            _index,
            _epoch,
            _state.AppliedIndex,
            lagEntries,
            double.IsInfinity(lagMs) ? -1 : lagMs,
            message
        );
    }
}
