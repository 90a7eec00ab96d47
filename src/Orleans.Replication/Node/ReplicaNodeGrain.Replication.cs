using Orleans.Replication.Primary;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Node;

/// <summary>
/// The primary's side: replicating the log to every replica in pipelined batches, and handling their answers.
/// </summary>
internal sealed partial class ReplicaNodeGrain
{
    private void PumpAll()
    {
        if (_primary is { } primary)
        {
            PumpAll(primary);
        }
    }

    private void PumpAll(PrimaryRole primary)
    {
        foreach (var link in primary.SendTo)
        {
            Pump(link);
        }
    }

    /// <summary>Sends what <paramref name="link"/>'s replica lacks, keeping up to MaxInFlightBatches calls in
    /// flight.</summary>
    /// <remarks>Entries that pile up while calls are in flight go out together in the next call: batches grow with
    /// load.</remarks>
    private void Pump(ReplicaLink link)
    {
        while (
            _primary is { } primary
            && link.InFlight < _options.MaxInFlightBatches
            && !link.SnapshotInProgress
            && NowTicks >= link.RetryAtTicks
        )
        {
            if (link.NextIndex <= _log.BaseIndex)
            {
                _ = SendSnapshotAsync(link);
                return;
            }

            var count = (int)Math.Min(_options.MaxBatchEntries, _log.LastIndex - link.NextIndex + 1);
            var syncThrough = SyncThrough(primary, link.NextIndex - 1 + Math.Max(0, count));
            var syncNews = syncThrough > link.SentSync && syncThrough > link.SyncedIndex;
            if (count <= 0 && !syncNews && (link.SentCommit >= _commitIndex || link.InFlight > 0))
            {
                return;
            }

            if (
                count <= 0
                && !syncNews
                && link.Incarnation != Guid.Empty
                && link.AppliedIndex >= Math.Min(_commitIndex, link.MatchIndex)
            )
            {
                // The replica has applied all it holds that is committed (in a small group it commits on its own): a
                // call carrying only the commit index would tell it nothing. A replica not heard from yet is called
                // at once all the same: a new primary's first call tells it who leads.
                link.SentCommit = _commitIndex;
                return;
            }

            var prevIndex = link.NextIndex - 1;
            _log.TryGetEpoch(prevIndex, out var prevEpoch);
            var entries = count > 0 ? _log.Slice(link.NextIndex, count) : [];
            var request = new AppendRequest(
                _epoch,
                _index,
                _nodeCount,
                prevIndex,
                prevEpoch,
                entries,
                _commitIndex,
                _log.LastIndex,
                IsProbe: false,
                ++link.Sequence,
                entries.Length > 0 ? primary.RoutedBatches.Take(link, entries[^1].Index) : null,
                syncThrough
            );
            link.NextIndex += entries.Length;
            link.SentCommit = _commitIndex;
            link.SentSync = Math.Max(link.SentSync, syncThrough);
            _ = SendAsync(link, request);
        }
    }

    /// <summary>
    /// What a call that sends up to <paramref name="lastSent"/> asks the replica to fsync: everything, when this
    /// primary writes at <see cref="Durability.Disk"/> (a replica writing buffered then syncs too); with a buffered
    /// log, only what writes that must be on disk wait for.
    /// </summary>
    private long SyncThrough(PrimaryRole primary, long lastSent) =>
        _disk is null ? 0
        : _disk.SyncMode == WriteAhead.LogSyncMode.Disk ? lastSent
        : Math.Min(primary.SyncWanted, lastSent);

    /// <summary>
    /// Sends one replication call and handles its reply; returns the reply, or null when the call failed.
    /// </summary>
    private async Task<AppendResponse?> SendAsync(ReplicaLink link, AppendRequest request)
    {
        var generation = link.Generation;
        link.InFlight++;
        AppendResponse response;
        try
        {
            response = await link.Node.AppendAsync(request).WaitAsync(_options.ReplicationCallTimeout, _time);
        }
        catch (Exception e)
        {
            link.InFlight--;
            OnCallFailed(link, generation, e);
            SettleRoutedBatches(link, request.Acks, -1, Guid.Empty);
            return null;
        }

        link.InFlight--;
        OnReply(link, request.Epoch, response, generation);
        SettleRoutedBatches(
            link,
            request.Acks,
            response.Status == AppendStatus.Ok && response.Epoch == request.Epoch ? response.LastIndex : -1,
            response.Incarnation
        );
        return response;
    }

    /// <summary>
    /// After a call that carried <paramref name="routes"/> ended: see <see cref="RoutedBatches.Settle"/>.
    /// </summary>
    private void SettleRoutedBatches(ReplicaLink link, AckRoute[]? routes, long heldUpTo, Guid incarnation)
    {
        if (routes is not null && _primary is { } primary)
        {
            primary.RoutedBatches.Settle(link, routes, heldUpTo, incarnation);
        }
    }

    private void OnCallFailed(ReplicaLink link, int generation, Exception error)
    {
        if (_primary is null || generation != link.Generation)
        {
            return;
        }

        link.Failures++;
        link.LastError = error.GetType().Name + ": " + error.Message;
        link.Rewind(link.MatchIndex + 1);
        var backoff = Math.Min(
            TimeSpan.FromSeconds(1).Ticks,
            TimeSpan.FromMilliseconds(20).Ticks << Math.Min(link.Failures, 6)
        );
        link.RetryAtTicks = NowTicks + backoff;
    }

    private void OnReply(ReplicaLink link, long sentEpoch, AppendResponse response, int generation)
    {
        if (response.Epoch > _epoch)
        {
            StepDown(response.Epoch);
            return;
        }

        if (_primary is not { } primary || sentEpoch != _epoch || !link.Observe(response.Incarnation))
        {
            return;
        }

        link.LastReplyTicks = NowTicks;
        link.Failures = 0;
        link.LastError = null;
        link.AppliedIndex = Math.Max(link.AppliedIndex, response.AppliedIndex);
        switch (response.Status)
        {
            case AppendStatus.Ok:
                link.Accepted(response.LastIndex, _log.LastIndex, response.SyncedIndex);
                if (
                    primary.HandOverDone is { } done
                    && link.NodeIndex == primary.HandOverTarget
                    && link.MatchIndex >= _log.LastIndex
                )
                {
                    done.TrySetResult();
                }

                AdvanceCommit();
                break;
            case AppendStatus.Mismatch when generation == link.Generation:
                link.Rewind(Math.Max(link.MatchIndex, response.LastIndex) + 1);
                break;
            case AppendStatus.NeedSnapshot when generation == link.Generation:
                link.Rewind(Math.Max(link.MatchIndex + 1, _log.BaseIndex));
                break;
        }

        Pump(link);
    }

    private Task OnHeartbeatAsync()
    {
        if (_primary is not { } primary)
        {
            return Task.CompletedTask;
        }

        var now = NowTicks;
        primary.Tracker.ExpireOverdue(now, TimedOut);
        primary.DiskTracker?.ExpireOverdue(now, TimedOut);
        primary.RoutedBatches.TellOverdue(now - _options.HeartbeatInterval.Ticks);
        foreach (var link in primary.SendTo)
        {
            if (link.InFlight > 0 || link.SnapshotInProgress || now < link.RetryAtTicks)
            {
                continue;
            }

            if (link.NextIndex <= _log.LastIndex || link.SentCommit < _commitIndex
                || SyncThrough(primary, link.NextIndex - 1) > Math.Max(link.SentSync, link.SyncedIndex))
            {
                Pump(link);
            }
            else
            {
                _ = SendAsync(link, Probe());
            }
        }

        return Task.CompletedTask;
    }

    private AppendRequest Probe() =>
        new(_epoch, _index, _nodeCount, 0, 0, [], _commitIndex, _log.LastIndex, IsProbe: true);
}
