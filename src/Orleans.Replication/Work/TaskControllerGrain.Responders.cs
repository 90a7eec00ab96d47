namespace Orleans.Replication.Work;

/// <summary>
/// Responders: one per active silo, from Orleans membership; probes; attempts lost with a silo; deadlines; expiry.
/// </summary>
internal sealed partial class TaskControllerGrain
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    private readonly Dictionary<SiloAddress, ResponderSlot> _responders = [];
    private int _nextResponderId;
    private long _lastProbe;

    private Task OnTick()
    {
        RefreshResponders();
        var now = time.GetTimestamp();
        foreach (var r in _responders.Values)
        {
            foreach (var item in r.Running.Where(i => now > i.Deadline).ToList())
            {
                // No report in time from a responder whose silo is alive: the handler may still run, so it is not run
                // again.
                MarkUnhealthy(r, "did not report a task in time");
                r.Running.Remove(item);
                Finish(
                    item,
                    WorkTaskState.Failed,
                    null,
                    $"Responder {r.Id} on {r.Silo} did not report within " +
                    $"{(item.Timeout + _options.ReportGrace).TotalSeconds:0.#} s."
                );
            }
        }

        var retention = (long)(_options.ResultRetention.TotalSeconds * time.TimestampFrequency);
        foreach (
            var expired in _tasks.Values.Where(t => t.State.IsFinished() && now - t.FinishedAt > retention).ToList()
        )
        {
            _tasks.Remove(expired.TaskId);
        }

        if (time.GetElapsedTime(_lastProbe, now) >= _options.ProbeInterval)
        {
            _lastProbe = now;
            foreach (var r in _responders.Values.Where(r => r.SiloActive && !r.Probing))
            {
                _ = ProbeAsync(r);
            }
        }

        Pump();
        if (_tasks.Count == 0 && time.GetElapsedTime(_lastActivity, now) > IdleLifetime)
        {
            // Nothing queued, running or unfetched: the timer keeps the controller alive only while it holds tasks.
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// One responder per Active silo; the attempts on a silo that is no longer Active run again elsewhere.
    /// </summary>
    private void RefreshResponders()
    {
        var snapshot = membership.CurrentSnapshot;
        foreach (var (silo, member) in snapshot.Members)
        {
            if (member.Status == SiloStatus.Active && !_responders.ContainsKey(silo))
            {
                var grain = GrainFactory.GetGrain<IResponderGrain>(ResponderPlacementDirector.Key(_pool, silo));
                _responders.Add(silo, new ResponderSlot(_nextResponderId++, silo, grain));
            }
        }

        foreach (var r in _responders.Values.ToList())
        {
            var status = snapshot.GetSiloStatus(r.Silo);
            r.SiloActive = status == SiloStatus.Active;
            if (r.SiloActive)
            {
                continue;
            }

            foreach (var item in r.Running.ToList())
            {
                RunAgain(item, $"the silo {r.Silo} of responder {r.Id} is {status}");
            }

            if (status is SiloStatus.Dead or SiloStatus.None)
            {
                _responders.Remove(r.Silo);
            }
        }
    }

    private async Task ProbeAsync(ResponderSlot r)
    {
        r.Probing = true;
        try
        {
            var silo = await r.Grain.PingAsync().WaitAsync(ProbeTimeout);
            if (silo == r.Silo.ToParsableString())
            {
                r.Problem = null;
            }
            else
            {
                MarkUnhealthy(r, $"it runs on {silo}, not on its silo");
            }
        }
        catch (Exception e)
        {
            MarkUnhealthy(r, $"did not answer a probe: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            r.Probing = false;
        }

        Pump();
    }

    private void MarkUnhealthy(ResponderSlot r, string reason)
    {
        if (r.Problem is null)
        {
            LogUnhealthy(_pool, r.Silo.ToString(), reason);
        }

        r.Problem = reason;
    }
}
