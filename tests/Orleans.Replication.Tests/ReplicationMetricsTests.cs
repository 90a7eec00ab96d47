using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Orleans.Replication.Diagnostics;

namespace Orleans.Replication.Tests;

/// <summary>What the store's instruments tell an exporter about themselves.</summary>
public sealed class ReplicationMetricsTests
{
    [Fact]
    public void CommitLatencyAdvisesBucketsInSecondsThatSpreadMillisecondCommits()
    {
        RuntimeHelpers.RunClassConstructor(typeof(ReplicationMetrics).TypeHandle);
        Histogram<double>? commit = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == ReplicationMetrics.MeterName
                    && instrument.Name == "replication.commit.duration")
                {
                    commit = instrument as Histogram<double>;
                }
            },
        };
        listener.Start();

        Assert.NotNull(commit);
        Assert.Equal("s", commit.Unit);
        var bounds = commit.Advice?.HistogramBucketBoundaries;
        Assert.NotNull(bounds);

        // A 1 ms and a 3 ms commit land in different buckets, and a 2 s one below the last bound.
        static int Bucket(IReadOnlyList<double> b, double v) => b.TakeWhile(x => x < v).Count();
        Assert.NotEqual(Bucket(bounds, 0.001), Bucket(bounds, 0.003));
        Assert.True(Bucket(bounds, 2.0) < bounds.Count);
        Assert.Equal(bounds.Order(), bounds);
    }
}
