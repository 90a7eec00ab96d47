using System.Diagnostics.Metrics;

namespace Orleans.Replication.ClusterTests;

/// <summary>Counts the write batches one group's clients sent through a write ingress, as the store's meter reports
/// them.</summary>
/// <remarks>The silos run in this process, so their measurements reach a listener here.</remarks>
internal sealed class IngressBatchCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _group;
    private long _count;

    public IngressBatchCounter(string group)
    {
        _group = group;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Orleans.Replication" && instrument.Name == "replication.ingress.batches")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(
        System.Diagnostics.Metrics.Instrument instrument,
        long value,
        ReadOnlySpan<KeyValuePair<string, object?>> tags,
        object? state
    )
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "group" && tag.Value is string group && group == _group)
            {
                Interlocked.Add(ref _count, value);
            }
        }
    }
}
