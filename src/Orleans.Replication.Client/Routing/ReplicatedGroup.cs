using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Replication.LoadBalancing;
using Orleans.Replication.Protocol;

namespace Orleans.Replication.Client;

/// <summary>One group's client: route cache, write retries, and node choice for reads.</summary>
/// <remarks>
/// The route (epoch, primary, size) is cached and replaced when a node says it is not the primary or when a
/// call to the primary fails. A write is retried with the same write id until its deadline, which the primary
/// deduplicates; once a write may have reached a primary, running out of time is reported as an unknown
/// outcome, never as a failure. While the group has no primary (a failover under way), writes wait in a bounded
/// queue (<see cref="ReplicationClientOptions.MaxQueuedWrites"/>) up to their deadline and go out in the order they
/// came once a primary appears; a group that has lost its majority fails writes at once instead.
/// </remarks>
internal sealed partial class ReplicatedGroup : IReplicatedGroup
{
    private static readonly TimeSpan CallGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>How often the group checks whether its writes are stuck.</summary>
    private static readonly TimeSpan WatchdogInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Writes out this long with no answer at all make the client suspect the primary and look for a newer route.
    /// </summary>
    private static readonly TimeSpan StallSuspicion = TimeSpan.FromMilliseconds(250);
    private readonly IGrainFactory _grains;
    private readonly ReplicationClientOptions _options;
    private readonly TimeProvider _time;
    private readonly IGroupCoordinatorGrain _coordinator;
    private readonly IReplicaNodeGrain[] _nodes = new IReplicaNodeGrain[ReplicationLimits.MaxNodeCount];
    private readonly WriteBatcher _writes;
    private readonly ITimer _watchdog;
    private int _checkingStall;
    private long _reportedEpoch;
    private readonly ReadRouter _router;
    private readonly PrimaryWaitQueue _waitingWrites;
    private readonly ILoadBalancerGrain _loadBalancer;
    private GroupRoute? _route;
    private int _pumping;

    private readonly ClientGateways? _gateways;
    private readonly ILogger _logger;
    private WriteAckReceiver? _receiver;

    /// <summary>This group's receiver of write answers, registered with the client on first use.</summary>
    internal WriteAckReceiver Receiver()
    {
        if (Volatile.Read(ref _receiver) is { } receiver)
        {
            return receiver;
        }

        lock (_writes)
        {
            if (_receiver is null)
            {
                var created = new WriteAckReceiver();
                created.Reference = _grains.CreateObjectReference<IWriteAcks>(created);
                Volatile.Write(ref _receiver, created);
            }

            return _receiver;
        }
    }

    public ReplicatedGroup(
        string name,
        IGrainFactory grains,
        ReplicationClientOptions options,
        TimeProvider time,
        ClientGateways? gateways = null,
        ILogger? logger = null
    )
    {
        _logger = logger ?? NullLogger.Instance;
        _gateways = options.DirectWrites ? gateways : null;
        Name = name;
        _grains = grains;
        _options = options;
        _time = time;
        _coordinator = grains.GetGrain<IGroupCoordinatorGrain>(name);
        for (var i = 0; i < _nodes.Length; i++)
        {
            _nodes[i] = grains.GetGrain<IReplicaNodeGrain>(GroupNames.NodeKey(name, i));
        }

        _writes = new WriteBatcher(Node, time)
        {
            Receiver = options.ReplicaAnswers ? Receiver : null,
            AttemptTimeout = options.AttemptTimeout,
            Group = name,
            Ingress = IngressFor,
            IngressFailed = OnIngressFailed,
        };
        _watchdog = time.CreateTimer(
            static state => ((ReplicatedGroup)state!).OnWatchdog(),
            this,
            WatchdogInterval,
            WatchdogInterval
        );
        _loadBalancer = grains.GetGrain<ILoadBalancerGrain>(name);
        _router = new ReadRouter(
            r => _loadBalancer.ExchangeAsync(r).WaitAsync(options.AttemptTimeout, time),
            time,
            options.RoutingRefreshInterval
        );
        _waitingWrites = new PrimaryWaitQueue(name, options.MaxQueuedWrites, time);
    }

    /// <summary>
    /// Sends writes waiting behind a caller that blocked on its answer (see
    /// <see cref="WriteBatcher.SendPastBlockedCallers"/>). While writes are stuck (a crashed or paused primary answers
    /// nothing), tells the coordinator once per epoch and polls it for a newer route; a newer route makes the stuck
    /// calls give up at once and go to the new primary, instead of each waiting for its attempt timeout.
    /// </summary>
    private void OnWatchdog()
    {
        _writes.SendPastBlockedCallers();
        RetryIngressIfDue();
        if (_writes.StalledFor() < StallSuspicion || Interlocked.Exchange(ref _checkingStall, 1) == 1)
        {
            return;
        }

        _ = CheckStallAsync();

        async Task CheckStallAsync()
        {
            try
            {
                if (
                    Volatile.Read(ref _route) is { } route
                    && route.Epoch != Interlocked.Exchange(ref _reportedEpoch, route.Epoch)
                )
                {
                    ReportTrouble(route);
                }

                // One lookup, bounded like an attempt: a coordinator that hangs must not keep the check (and every
                // later one) waiting, since the next check starts only once this one ends.
                await LookUpRouteAsync(
                    refresh: true,
                    new OperationDeadline(_options.AttemptTimeout, _time),
                    CancellationToken.None
                );
            }
            catch (Exception e) when (IsTransient(e))
            {
                // The next tick tries again.
            }
            finally
            {
                Interlocked.Increment(ref _stallChecksEnded);
                Volatile.Write(ref _checkingStall, 0);
            }
        }
    }

    /// <summary>
    /// Whether a check for a newer route, made because writes are stuck, is under way; internal for tests.
    /// </summary>
    internal bool CheckingStall => Volatile.Read(ref _checkingStall) == 1;

    /// <summary>Checks for a newer route made because writes were stuck that have ended; internal for tests.</summary>
    internal long StallChecksEnded => Interlocked.Read(ref _stallChecksEnded);

    private long _stallChecksEnded;

    /// <summary>Writes waiting for a primary now; internal for tests.</summary>
    internal int QueuedWrites => _waitingWrites.Count;

    public string Name { get; }

    public IReplicatedSession OpenSession(SessionToken? token = null) =>
        new ReplicatedSession(this, token ?? SessionToken.None);

    public IReplicatedSession ResumeSession(string token) => OpenSession(SessionToken.Parse(token));

    public Task<RoutingSnapshot> GetRoutingAsync(CancellationToken cancellationToken = default) =>
        _loadBalancer.GetSnapshotAsync().WaitAsync(_options.DefaultReadTimeout, _time, cancellationToken);

    public async Task<RoutingSnapshot> SetReadPolicyAsync(
        ReadRoutingPolicy policy,
        CancellationToken cancellationToken = default
    )
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        var snapshot = await _loadBalancer
            .SetPolicyAsync(policy)
            .WaitAsync(_options.DefaultReadTimeout, _time, cancellationToken);
        await _router.RefreshAsync();
        return snapshot;
    }

    public Task<GroupStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
        _coordinator.GetStatusAsync().WaitAsync(_options.DefaultReadTimeout, _time, cancellationToken);

    public async Task<GroupRoute> SwitchoverAsync(int? target = null, CancellationToken cancellationToken = default)
    {
        if (target is < 0 or >= ReplicationLimits.MaxNodeCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(target),
                target,
                $"A node index is 0..{ReplicationLimits.MaxNodeCount - 1}."
            );
        }

        return await ApplyRouteAsync(_coordinator.SwitchoverAsync(target), TimeSpan.FromSeconds(15), cancellationToken);
    }

    public async Task<GroupRoute> AddReplicaAsync(
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default
    )
    {
        var t = ValidateChangeTimeout(timeout);
        return await ApplyRouteAsync(_coordinator.AddReplicaAsync(t), t + TimeSpan.FromSeconds(10), cancellationToken);
    }

    public async Task<GroupRoute> RemoveReplicaAsync(
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default
    )
    {
        var t = ValidateChangeTimeout(timeout);
        return await ApplyRouteAsync(
            _coordinator.RemoveReplicaAsync(t),
            t + TimeSpan.FromSeconds(10),
            cancellationToken
        );
    }

    public async Task<RecoveryResult> RecoverAsync(
        bool acceptLoss = false,
        CancellationToken cancellationToken = default
    )
    {
        var result = await _coordinator
            .RecoverAsync(acceptLoss)
            .WaitAsync(TimeSpan.FromSeconds(30), _time, cancellationToken);
        SetRoute(result.Route);
        return result;
    }

    public async Task<GroupRoute> ResizeAsync(
        int nodeCount,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default
    )
    {
        ReplicationLimits.ValidateNodeCount(nodeCount);
        var route = await GetRouteAsync(refresh: true, cancellationToken);
        while (route.NodeCount != nodeCount)
        {
            route = route.NodeCount < nodeCount
                ? await AddReplicaAsync(timeout, cancellationToken)
                : await RemoveReplicaAsync(timeout, cancellationToken);
        }

        return route;
    }

    /// <summary>Waits for a change of the route made by the coordinator and caches the route it ends with.</summary>
    private async Task<GroupRoute> ApplyRouteAsync(
        Task<GroupRoute> change,
        TimeSpan wait,
        CancellationToken cancellationToken
    )
    {
        var route = await change.WaitAsync(wait, _time, cancellationToken);
        SetRoute(route);
        return route;
    }

    private static TimeSpan ValidateChangeTimeout(TimeSpan? timeout)
    {
        var t = timeout ?? TimeSpan.FromSeconds(60);
        ReplicationLimits.ValidateGroupChangeTimeout(t);
        return t;
    }

    internal IReplicaNodeGrain Node(int index) => _nodes[index];

    public Task<WriteResult> PutAsync(
        string key,
        byte[] value,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    ) => PutAsync(key, value, options, null, cancellationToken);

    public Task<WriteResult> DeleteAsync(
        string key,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    ) => DeleteAsync(key, options, null, cancellationToken);

    public Task<CasResult> CompareAndSetAsync(
        string key,
        long expectedVersion,
        byte[] value,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    ) => CompareAndSetAsync(key, expectedVersion, value, options, null, cancellationToken);

    public Task<ReadResult> GetAsync(
        string key,
        ReadOptions? options = null,
        CancellationToken cancellationToken = default
    ) => GetAsync(key, options, null, cancellationToken);

    internal async Task<WriteResult> PutAsync(
        string key,
        byte[] value,
        WriteOptions? options,
        ReplicatedSession? session,
        CancellationToken ct
    )
    {
        ReplicationLimits.ValidateKey(key, _options.MaxKeyBytes);
        ReplicationLimits.ValidateValue(value, _options.MaxValueBytes);
        var (reply, writeId) = await WriteAsync(key, LogOperation.Put, value, null, options, ct);
        return Acknowledged(reply, writeId, session);
    }

    internal async Task<WriteResult> DeleteAsync(
        string key,
        WriteOptions? options,
        ReplicatedSession? session,
        CancellationToken ct
    )
    {
        ReplicationLimits.ValidateKey(key, _options.MaxKeyBytes);
        var (reply, writeId) = await WriteAsync(key, LogOperation.Delete, null, null, options, ct);
        return Acknowledged(reply, writeId, session);
    }

    internal async Task<CasResult> CompareAndSetAsync(
        string key,
        long expectedVersion,
        byte[] value,
        WriteOptions? options,
        ReplicatedSession? session,
        CancellationToken ct
    )
    {
        ReplicationLimits.ValidateKey(key, _options.MaxKeyBytes);
        ReplicationLimits.ValidateValue(value, _options.MaxValueBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        var (reply, writeId) = await WriteAsync(key, LogOperation.Put, value, expectedVersion, options, ct);
        if (reply.Status == WriteStatus.VersionMismatch)
        {
            return new CasResult(false, reply.CurrentVersion, reply.Epoch);
        }

        var written = Acknowledged(reply, writeId, session);
        return new CasResult(true, written.Version, written.Epoch);
    }

    private static WriteResult Acknowledged(WriteReply reply, Guid writeId, ReplicatedSession? session)
    {
        var result = new WriteResult(reply.Epoch, reply.Index, writeId);
        session?.Observe(result.Token);
        return result;
    }

    /// <summary>Sends a write to the primary until it is acknowledged, refused, or its deadline passes.</summary>
    /// <remarks>
    /// Nothing leaves with its deadline past: each send carries what is left of the deadline, and a write whose time
    /// ran out while it waited (for a route, a primary, a retry) is not sent. At the deadline, a write that was never
    /// sent fails with <see cref="NoPrimaryException"/> (or <see cref="ReplicationTimeoutException"/> when it waited in
    /// the queue for a primary); one that may have reached a primary, with <see cref="WriteOutcomeUnknownException"/>.
    /// </remarks>
    private async Task<(WriteReply Reply, Guid WriteId)> WriteAsync(
        string key,
        LogOperation operation,
        byte[]? value,
        long? expectedVersion,
        WriteOptions? options,
        CancellationToken ct
    )
    {
        options ??= new WriteOptions();
        var timeout = options.Timeout ?? _options.DefaultWriteTimeout;
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "A write timeout must be positive.");
        }

        var writeId = options.WriteId ?? WriteIds.Next();
        var deadline = new OperationDeadline(timeout, _time);
        var maybeSent = false;
        var refresh = false;
        var released = false;
        var hinted = false;
        string? lastProblem = null;
        Task<WriteReply>? handedOver = null;
        GroupRoute? handedRoute = null;

        // Null when the deadline has passed: the write is then not sent at all.
        Task<WriteReply>? Send(GroupRoute route)
        {
            var left = deadline.Remaining;
            return left > TimeSpan.Zero
                ? _writes.SendAsync(
                    route.PrimaryIndex,
                    new WriteCommand(key, operation, value, expectedVersion, writeId, options.Concern, left,
                        options.Durability ?? Durability.Memory)
                )
                : null;
        }

        // Run by the queue when a primary appears, in queue order: the write is handed to the sender before the next
        // queued one is, whatever thread the caller's continuation runs on later.
        void OnRelease()
        {
            if (Volatile.Read(ref _route) is { HasPrimary: true } route && !deadline.HasPassed)
            {
                options.Concern.Validate(route.NodeCount);
                handedRoute = route;
                handedOver = Send(route);
            }
        }

        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0)
            {
                Log.WriteRetry(_logger, Name, writeId, attempt, lastProblem);
            }

            if (attempt == 0 && _waitingWrites.Count > 0)
            {
                // Writes already wait for a primary: this one goes behind them, so that they leave in order.
                released = await WaitForPrimaryAsync(writeId, timeout, deadline.Remaining, OnRelease, ct);
            }

            var route = handedRoute;
            var call = handedOver;
            handedOver = null;
            handedRoute = null;
            if (call is null)
            {
                var remaining = deadline.Remaining;
                if (remaining <= TimeSpan.Zero)
                {
                    throw maybeSent
                        ? new WriteOutcomeUnknownException(
                            $"The write was sent but no answer came within {timeout.TotalMilliseconds:0} ms " +
                            $"({lastProblem}); its outcome is unknown. Retry with write id {writeId} to apply it at " +
                            "most once.",
                            writeId
                        )
                        : new NoPrimaryException(
                            Name,
                            $"Group '{Name}' had no primary that accepted the write within " +
                            $"{timeout.TotalMilliseconds:0} ms ({lastProblem}); nothing was written."
                        );
                }

                if (attempt > 0 && !released && !hinted)
                {
                    await Task.Delay(Backoff(attempt, remaining), _time, ct);
                }

                released = false;
                hinted = false;
                try
                {
                    route = await LookUpRouteAsync(refresh, deadline, ct);
                }
                catch (Exception e) when (IsTransient(e))
                {
                    lastProblem = "coordinator unreachable: " + e.Message;
                    continue;
                }

                options.Concern.Validate(route.NodeCount);
                if (!route.HasPrimary)
                {
                    if (maybeSent)
                    {
                        lastProblem = route.Problem;
                        refresh = true;
                        // An earlier attempt may have landed: keep trying until the deadline, then report it unknown.
                        continue;
                    }

                    if (route.NoPrimaryReason == NoPrimaryReason.NoMajority)
                    {
                        // Without a reachable majority no primary can be promoted: fail fast rather than wait.
                        throw new NoPrimaryException(
                            Name,
                            $"Group '{Name}' has no primary: {route.Problem}. Nothing was written; retry later."
                        );
                    }

                    lastProblem = route.Problem;
                    released = await WaitForPrimaryAsync(writeId, timeout, deadline.Remaining, OnRelease, ct);
                    refresh = false;
                    continue;
                }

                call = Send(route);
            }

            if (call is null)
            {
                lastProblem ??= "the deadline passed before the write could be sent";
                continue;
            }

            WriteReply reply;
            try
            {
                reply = await call.WaitAsync(ct);
            }
            catch (WriteNotSentException e)
            {
                // It waited in the sender's queue past its deadline and never left.
                lastProblem = e.Message;
                continue;
            }
            catch (Exception e) when (IsTransient(e))
            {
                lastProblem = $"primary {route!.PrimaryIndex} unreachable: {e.Message}";
                maybeSent = true;
                refresh = true;
                ReportTrouble(route);
                continue;
            }

            switch (reply.Status)
            {
                case WriteStatus.Ok:
                case WriteStatus.VersionMismatch:
                    return (reply, writeId);
                case WriteStatus.Timeout:
                    throw new WriteConcernTimeoutException(
                        writeId,
                        reply.Index,
                        reply.Confirmed,
                        reply.Required,
                        reply.Replicas,
                        timeout
                    );
                case WriteStatus.Invalid:
                    throw new ArgumentException(reply.Message);
                case WriteStatus.SteppedDown:
                    // The entry may survive in the new primary's log; the retry's id finds it there.
                    maybeSent = true;
                    break;
            }

            lastProblem = $"{reply.Status}: {reply.Message}";

            // A node that is not the primary names the one it follows: go there at once when that epoch is newer.
            hinted = FollowHint(reply, route!.PrimaryIndex);
            refresh = !hinted;
        }
    }

    /// <summary>
    /// Tells the coordinator at once that the primary did not answer, so it need not wait for its next check.
    /// </summary>
    private void ReportTrouble(GroupRoute route)
    {
        Log.PrimaryTrouble(_logger, Name, route.PrimaryIndex, route.Epoch);
        _coordinator.ReportPrimaryTroubleAsync(route.Epoch).Ignore();
    }

    internal static bool IsTransient(Exception e) =>
        e
            is TimeoutException
                or OrleansException
                or OperationCanceledException { CancellationToken.IsCancellationRequested: false };

    private static TimeSpan Backoff(int attempt, TimeSpan remaining)
    {
        var ms = Math.Min(200, 5 << Math.Min(attempt, 6));
        var delay = TimeSpan.FromMilliseconds(ms + Random.Shared.Next(ms / 2 + 1));
        return delay < remaining ? delay : remaining;
    }
}
