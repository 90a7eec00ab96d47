using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Work;

/// <summary>
/// Dispatch: queued tasks go to healthy responders with free slots, picked by the strategy; outcomes come back.
/// </summary>
internal sealed partial class TaskControllerGrain
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(5);
    private readonly List<ResponderSlot> _eligible = [];
    private LoadCandidate[] _candidates = [];

    public Task CompleteAsync(AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        _lastActivity = time.GetTimestamp();
        if (
            outcome.Incarnation != _incarnation
            || !_tasks.TryGetValue(outcome.TaskId, out var item)
            || item.State != WorkTaskState.Running
            || item.Attempts != outcome.Attempt
        )
        {
            // A late report of an attempt that was given up, or of an earlier activation of this controller: ignore it.
            return Task.CompletedTask;
        }

        var responder = item.Responder!;
        responder.Running.Remove(item);
        responder.Completed++;
        responder.Problem = null;
        if (double.IsFinite(outcome.DurationMs) && outcome.DurationMs >= 0)
        {
            responder.ResponseMs.Add(outcome.DurationMs);
        }

        item.Silo = outcome.Silo;
        Finish(item, outcome.State.IsFinished() ? outcome.State : WorkTaskState.Failed, outcome.Output, outcome.Error);
        Pump();
        return Task.CompletedTask;
    }

    /// <summary>Hands queued tasks, oldest first, to responders while some have a free slot.</summary>
    private void Pump()
    {
        while (_queue.First is { } first)
        {
            _eligible.Clear();
            foreach (var r in _responders.Values)
            {
                if (r.Healthy && r.Running.Count < _options.TasksPerResponder)
                {
                    _eligible.Add(r);
                }
            }

            if (_eligible.Count == 0)
            {
                return;
            }

            // Candidates in a stable order (by responder id), so that round robin really goes round.
            _eligible.Sort(static (a, b) => a.Id.CompareTo(b.Id));
            if (_candidates.Length < _eligible.Count)
            {
                _candidates = new LoadCandidate[_eligible.Count * 2];
            }

            for (var i = 0; i < _eligible.Count; i++)
            {
                _candidates[i] = _eligible[i].AsCandidate();
            }

            var item = first.Value;
            var chosen = _balancer.Select(_candidates.AsSpan(0, _eligible.Count), item.Strategy ?? _balancer.Strategy);
            _queue.RemoveFirst();
            StartAttempt(item, _eligible[chosen]);
        }
    }

    private void StartAttempt(WorkItem item, ResponderSlot responder)
    {
        item.Attempts++;
        item.State = WorkTaskState.Running;
        item.Responder = responder;
        item.Silo = responder.Silo.ToParsableString();
        item.Deadline =
            time.GetTimestamp() + (long)((item.Timeout + _options.ReportGrace).TotalSeconds * time.TimestampFrequency);
        responder.Running.Add(item);
        _ = SendAsync(
            item,
            responder,
            new TaskAssignment(
                _pool,
                item.TaskId,
                item.Attempts,
                item.Handler,
                item.Payload,
                item.Timeout,
                _incarnation
            )
        );
    }

    private async Task SendAsync(WorkItem item, ResponderSlot responder, TaskAssignment assignment)
    {
        try
        {
            await responder.Grain.StartAsync(assignment).WaitAsync(StartTimeout);
        }
        catch (Exception e)
        {
            if (
                item.State == WorkTaskState.Running
                && item.Attempts == assignment.Attempt
                && ReferenceEquals(item.Responder, responder)
            )
            {
                MarkUnhealthy(responder, $"did not take a task: {e.GetType().Name}: {e.Message}");
                RunAgain(item, $"responder {responder.Id} on {responder.Silo} did not take it");
                Pump();
            }
        }
    }

    /// <summary>
    /// Puts a running task back at the head of the queue, or fails it when it has had all its attempts.
    /// </summary>
    private void RunAgain(WorkItem item, string reason)
    {
        item.Responder?.Running.Remove(item);
        LogRetry(_pool, item.TaskId, reason);
        if (item.Attempts >= _options.MaxAttempts)
        {
            Finish(item, WorkTaskState.Failed, null, $"Gave up after {item.Attempts} attempts; the last: {reason}.");
            return;
        }

        _retried++;
        item.State = WorkTaskState.Queued;
        _queue.AddFirst(item);
    }

    private void Finish(WorkItem item, WorkTaskState state, byte[]? output, string? error)
    {
        item.State = state;
        item.Output = state == WorkTaskState.Succeeded ? output ?? [] : null;
        item.Error = state == WorkTaskState.Succeeded ? null : error ?? "The task failed.";
        item.FinishedAt = time.GetTimestamp();
        item.Payload = [];
        if (state == WorkTaskState.Succeeded)
        {
            _succeeded++;
        }
        else
        {
            _failed++;
        }

        item.Done.TrySetResult();
    }
}
