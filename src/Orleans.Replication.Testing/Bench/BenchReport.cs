namespace Orleans.Replication.Testing.Bench;

/// <summary>What a load run measured.</summary>
/// <param name="Label">What ran (replicated group and concern, or the raw baseline).</param>
/// <param name="Operations">Operations that completed successfully.</param>
/// <param name="Errors">Operations that failed.</param>
/// <param name="Unknown">Writes whose outcome was unknown (deadline passed).</param>
/// <param name="Elapsed">Wall-clock time of the run.</param>
/// <param name="P50Ms">Median latency of successful operations, in milliseconds.</param>
/// <param name="P99Ms">99th percentile latency.</param>
/// <param name="P999Ms">99.9th percentile latency.</param>
/// <param name="MaxMs">Highest latency.</param>
/// <param name="ReadsPerNode">Successful reads by the node that served them (empty for the raw baseline and write-only
/// runs).</param>
public sealed record BenchReport(
    string Label,
    long Operations,
    long Errors,
    long Unknown,
    TimeSpan Elapsed,
    double P50Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    IReadOnlyDictionary<int, long>? ReadsPerNode = null
)
{
    /// <summary>Successful operations per second.</summary>
    public double Throughput => Elapsed > TimeSpan.Zero ? Operations / Elapsed.TotalSeconds : 0;
}
