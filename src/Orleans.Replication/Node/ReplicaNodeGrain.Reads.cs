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

        if (_role == NodeRole.Unassigned)
        {
            return Refuse(ReadStatus.Unavailable, $"Node {_group}/{_index} has not been assigned a role.");
        }

        var timeout = request.Timeout > TimeSpan.Zero ? request.Timeout : TimeSpan.Zero;
        switch (request.Consistency.Kind)
        {
            case ReadConsistencyKind.Strong:
                var epoch = _epoch;
                if (_role != NodeRole.Primary)
                {
                    return Refuse(ReadStatus.NotPrimary, $"Node {_group}/{_index} is not the primary.");
                }

                // Nothing of this epoch may be read before the epoch's first entry commits; then a majority must confirm we still lead.
                if (!await WaitForAppliedAsync(_epochStartIndex, timeout) || !await ConfirmLeadershipAsync() || _epoch != epoch || _role != NodeRole.Primary)
                {
                    return Refuse(ReadStatus.NotPrimary, $"Node {_group}/{_index} could not confirm with a majority that it is still the primary.");
                }

                return Serve(request.Key);

            case ReadConsistencyKind.Session:
                if (!await WaitForAppliedAsync(request.MinIndex, timeout))
                {
                    return Refuse(ReadStatus.NotCaughtUp, $"Node {_group}/{_index} has applied {_state.AppliedIndex}, the session needs {request.MinIndex}.");
                }

                return Serve(request.Key);

            case ReadConsistencyKind.BoundedStaleness:
                var (lagEntries, lagMs) = ComputeLag();
                if (lagEntries > request.Consistency.MaxLagEntries || lagMs > request.Consistency.MaxLag.TotalMilliseconds)
                {
                    return Refuse(ReadStatus.TooStale,
                        $"Node {_group}/{_index} is {lagEntries} entries and {lagMs:0} ms behind; the bound is {request.Consistency.MaxLagEntries} entries and {request.Consistency.MaxLag.TotalMilliseconds:0} ms.");
                }

                return Serve(request.Key);

            case ReadConsistencyKind.Quorum:
                var (found, version, value) = _state.GetLatest(request.Key);
                var lag = ComputeLag();
                return new ReadReply(ReadStatus.Ok, found, value, version, _index, _epoch, _state.AppliedIndex, lag.Entries, lag.Ms, null);

            default:
                return Serve(request.Key);
        }
    }

    private ReadReply Serve(string key)
    {
        var (lagEntries, lagMs) = ComputeLag();
        return _state.TryGet(key, out var v)
            ? new ReadReply(ReadStatus.Ok, true, v.Value, v.Version, _index, _epoch, _state.AppliedIndex, lagEntries, lagMs, null)
            : new ReadReply(ReadStatus.Ok, false, null, 0, _index, _epoch, _state.AppliedIndex, lagEntries, lagMs, null);
    }

    private ReadReply Refuse(ReadStatus status, string message)
    {
        var (lagEntries, lagMs) = ComputeLag();
        return new ReadReply(status, false, null, 0, _index, _epoch, _state.AppliedIndex, lagEntries, double.IsInfinity(lagMs) ? -1 : lagMs, message);
    }
}
