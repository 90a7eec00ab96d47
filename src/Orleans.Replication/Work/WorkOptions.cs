using Microsoft.Extensions.Options;
using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Work;

/// <summary>
/// Silo options of work distribution (configuration section <c>Replication:Work</c>); the same for every pool.
/// </summary>
public sealed class WorkOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Replication:Work";

    /// <summary>Default of <see cref="MaxQueuedTasks"/>.</summary>
    public const int DefaultMaxQueuedTasks = 10_000;

    /// <summary>Default of <see cref="MaxPayloadBytes"/> (4 MiB).</summary>
    public const int DefaultMaxPayloadBytes = 4 << 20;

    /// <summary>
    /// Tasks that may wait in a pool's queue; one more is refused with a clear error (back-pressure).
    /// </summary>
    public int MaxQueuedTasks { get; set; } = DefaultMaxQueuedTasks;

    /// <summary>The largest payload a task may carry, in bytes (at most 64 MiB).</summary>
    public int MaxPayloadBytes { get; set; } = DefaultMaxPayloadBytes;

    /// <summary>How long one attempt of a task may run when its submission names no timeout.</summary>
    public TimeSpan DefaultTaskTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest timeout a submission may ask for.</summary>
    public TimeSpan MaxTaskTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a finished task's result is kept when nobody fetches it.</summary>
    public TimeSpan ResultRetention { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Attempts of one task at most (a task is run again only when its responder's silo leaves the cluster or does not
    /// take it).
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Tasks one responder runs at once.</summary>
    public int TasksPerResponder { get; set; } = 4;

    /// <summary>How the controller picks a responder, unless a submission says otherwise.</summary>
    public LoadBalancingStrategy Strategy { get; set; } = LoadBalancingStrategy.LeastConnections;

    /// <summary>How often the controller probes its responders.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long past a task's timeout the controller waits for the responder's report before it gives up on the
    /// attempt.
    /// </summary>
    public TimeSpan ReportGrace { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Stops the silo at start-up on bad <see cref="WorkOptions"/>, naming the option.</summary>
internal sealed class WorkOptionsValidator : IValidateOptions<WorkOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkOptions o)
    {
        var errors = new List<string>();
        Check(
            o.MaxQueuedTasks is >= 1 and <= 10_000_000,
            $"MaxQueuedTasks must be 1..10000000; it is {o.MaxQueuedTasks}."
        );
        Check(
            o.MaxPayloadBytes is >= 1 and <= 64 << 20,
            $"MaxPayloadBytes must be 1..67108864; it is {o.MaxPayloadBytes}."
        );
        Check(
            o.DefaultTaskTimeout > TimeSpan.Zero && o.DefaultTaskTimeout <= o.MaxTaskTimeout,
            $"DefaultTaskTimeout must be positive and at most MaxTaskTimeout ({o.MaxTaskTimeout}); it is " +
            $"{o.DefaultTaskTimeout}."
        );
        Check(
            o.MaxTaskTimeout > TimeSpan.Zero && o.MaxTaskTimeout <= TimeSpan.FromDays(1),
            $"MaxTaskTimeout must be positive and at most a day; it is {o.MaxTaskTimeout}."
        );
        Check(o.ResultRetention > TimeSpan.Zero, $"ResultRetention must be positive; it is {o.ResultRetention}.");
        Check(o.MaxAttempts is >= 1 and <= 100, $"MaxAttempts must be 1..100; it is {o.MaxAttempts}.");
        Check(
            o.TasksPerResponder is >= 1 and <= 10_000,
            $"TasksPerResponder must be 1..10000; it is {o.TasksPerResponder}."
        );
        Check(
            Enum.IsDefined(o.Strategy),
            $"Strategy must be one of {string.Join(", ", LoadBalancingStrategies.All)}; it is {o.Strategy}."
        );
        Check(
            o.ProbeInterval >= TimeSpan.FromMilliseconds(50) && o.ProbeInterval <= TimeSpan.FromMinutes(1),
            $"ProbeInterval must be 50 ms..1 min; it is {o.ProbeInterval}."
        );
        Check(
            o.ReportGrace > TimeSpan.Zero && o.ReportGrace <= TimeSpan.FromMinutes(10),
            $"ReportGrace must be positive and at most 10 min; it is {o.ReportGrace}."
        );
        return errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(e => "Replication:Work:" + e));

        void Check(bool ok, string error)
        {
            if (!ok)
            {
                errors.Add(error);
            }
        }
    }
}
