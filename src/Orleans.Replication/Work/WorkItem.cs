namespace Orleans.Replication.Work;

/// <summary>A task as its controller tracks it: queued, running on one responder, or finished and waiting to be
/// fetched.</summary>
/// <remarks>Touched only on the controller's turns.</remarks>
internal sealed class WorkItem(TaskSubmission submission, TimeSpan timeout, long submittedAt)
{
    public string TaskId { get; } = submission.TaskId;

    public string Handler { get; } = submission.Handler;

    public byte[] Payload { get; set; } = submission.Payload;

    public TimeSpan Timeout { get; } = timeout;

    public Replication.LoadBalancing.LoadBalancingStrategy? Strategy { get; } = submission.Strategy;

    public long SubmittedAt { get; } = submittedAt;

    public WorkTaskState State { get; set; } = WorkTaskState.Queued;

    public int Attempts { get; set; }

    public ResponderSlot? Responder { get; set; }

    public string? Silo { get; set; }

    /// <summary>When the running attempt is given up if no report came (timestamp ticks).</summary>
    public long Deadline { get; set; }

    public long FinishedAt { get; set; }

    public byte[]? Output { get; set; }

    public string? Error { get; set; }

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
