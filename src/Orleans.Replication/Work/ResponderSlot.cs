using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Work;

/// <summary>One responder as its controller sees it: its silo, health, load and response times.</summary>
/// <remarks>Touched only on the controller's turns.</remarks>
internal sealed class ResponderSlot(int id, SiloAddress silo, IResponderGrain grain)
{
    public int Id { get; } = id;

    public SiloAddress Silo { get; } = silo;

    public IResponderGrain Grain { get; } = grain;

    /// <summary>Its silo is Active in membership.</summary>
    public bool SiloActive { get; set; } = true;

    /// <summary>Why it did not answer (a failed probe or start, a missed report); null while it answers.</summary>
    public string? Problem { get; set; }

    public bool Probing { get; set; }

    public HashSet<WorkItem> Running { get; } = [];

    public MovingAverage ResponseMs { get; } = new();

    public long Completed { get; set; }

    public bool Healthy => SiloActive && Problem is null;

    public string? Why => !SiloActive ? "its silo is not active" : Problem;

    public LoadCandidate AsCandidate() => new(Id, Running.Count, ResponseMs.Value, 0, 0);

    public ResponderStatus ToStatus() =>
        new(Id, Silo.ToString(), Healthy, Why, Running.Count, ResponseMs.Value, Completed);
}
