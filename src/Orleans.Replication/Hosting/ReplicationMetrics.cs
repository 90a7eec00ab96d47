using System.Diagnostics.Metrics;

namespace Orleans.Replication.Hosting;

/// <summary>The silo's instruments of the meter <see cref="MeterName"/>.</summary>
internal sealed class ReplicationMetrics : IDisposable
{
    /// <summary>The meter's name, for OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "Orleans.Replication";

    private readonly Meter _meter;

    public ReplicationMetrics(IMeterFactory meters, LocalPrimaries primaries)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("orleans-replication-local-primaries", () => primaries.Count, "{group}",
            "Groups whose primary is a node on this silo.");
        ShutdownHandovers = _meter.CreateCounter<long>("orleans-replication-shutdown-handovers", "{group}",
            "Groups whose primary this silo handed over to another silo while shutting down, by outcome.");
    }

    /// <summary>Hand-overs at shutdown; tag <c>outcome</c> is <c>ok</c> or <c>failed</c>.</summary>
    public Counter<long> ShutdownHandovers { get; }

    public void Dispose() => _meter.Dispose();
}
