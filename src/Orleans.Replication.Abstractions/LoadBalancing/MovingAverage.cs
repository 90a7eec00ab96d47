namespace Orleans.Replication.LoadBalancing;

/// <summary>
/// The mean of the last <see cref="Window"/> samples (response times over the last 100 requests by default). Not
/// thread-safe.
/// </summary>
public sealed class MovingAverage
{
    private readonly double[] _samples;
    private int _count;
    private int _next;
    private double _sum;

    /// <summary>Creates an average over the last <paramref name="window"/> samples.</summary>
    public MovingAverage(int window = 100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _samples = new double[window];
    }

    /// <summary>How many samples the average covers at most.</summary>
    public int Window => _samples.Length;

    /// <summary>How many samples it covers now.</summary>
    public int Count => _count;

    /// <summary>The mean of the samples held; 0 with none.</summary>
    public double Value => _count == 0 ? 0 : _sum / _count;

    /// <summary>Adds a sample, dropping the oldest when the window is full.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The sample is negative or not finite.</exception>
    public void Add(double sample)
    {
        if (!double.IsFinite(sample) || sample < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(sample),
                sample,
                "A sample must be a finite, non-negative number."
            );
        }

        if (_count == _samples.Length)
        {
            _sum -= _samples[_next];
        }
        else
        {
            _count++;
        }

        _samples[_next] = sample;
        _sum += sample;
        _next = (_next + 1) % _samples.Length;

        // Recompute now and then so rounding errors of the running sum cannot accumulate.
        if (_next == 0)
        {
            _sum = 0;
            for (var i = 0; i < _count; i++)
            {
                _sum += _samples[i];
            }
        }
    }
}
