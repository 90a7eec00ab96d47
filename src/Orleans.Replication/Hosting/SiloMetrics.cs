using System.Diagnostics.Metrics;

namespace Orleans.Replication.Hosting;

/// <summary>
/// The silo host's own instruments, under the same meter as the store's (<see cref="Diagnostics.ReplicationMetrics"/>).
/// </summary>
internal sealed class SiloMetrics : IDisposable
{
    private readonly Meter _meter;

    public SiloMetrics(IMeterFactory meters, LocalPrimaries primaries)
    {
        _meter = meters.Create(Diagnostics.ReplicationMetrics.MeterName);
        _meter.CreateObservableGauge("replication.primaries.local", () => primaries.Count, "{group}",
            "Groups whose primary is a node on this silo.");
        ShutdownHandovers = _meter.CreateCounter<long>("replication.shutdown.handovers", "{group}",
            "Groups whose primary this silo handed over to another silo while shutting down, by outcome.");
    }

    /// <summary>Hand-overs at shutdown; tag <c>outcome</c> is <c>ok</c> or <c>failed</c>.</summary>
    public Counter<long> ShutdownHandovers { get; }

    public void Dispose() => _meter.Dispose();
}
