using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Client;

/// <summary>One node as one client sees it: its reads in flight there, response times, and failures since the last
/// report.</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class NodeReadStats
{
    private readonly Lock _lock = new();
    private readonly MovingAverage _average = new();
    private const int MaxSamples = 100;

    /// <summary>The newest response times since the last report, a ring of at most <see cref="MaxSamples"/>.</summary>
    private readonly double[] _samples = new double[MaxSamples];
    private int _sampleCount;
    private int _nextSample;
    private int _inFlight;
    private int _failures;
    private bool _suspect;

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool Suspect => Volatile.Read(ref _suspect);

    public double AverageResponseMs
    {
        get
        {
            lock (_lock)
            {
                return _average.Value;
            }
        }
    }

    public void Begin() => Interlocked.Increment(ref _inFlight);

    public void End(bool answered, double ms)
    {
        Interlocked.Decrement(ref _inFlight);
        lock (_lock)
        {
            if (answered)
            {
                _average.Add(ms);
                _samples[_nextSample] = ms;
                _nextSample = (_nextSample + 1) % MaxSamples;
                _sampleCount = Math.Min(_sampleCount + 1, MaxSamples);
                _suspect = false;
            }
            else
            {
                _failures++;
                _suspect = true;
            }
        }
    }

    public void ClearSuspicion() => Volatile.Write(ref _suspect, false);

    public NodeObservation? Take()
    {
        lock (_lock)
        {
            if (_sampleCount == 0 && _failures == 0 && _inFlight == 0)
            {
                return null;
            }

            // Oldest first, as they came.
            var samples = new double[_sampleCount];
            var first = (_nextSample - _sampleCount + MaxSamples) % MaxSamples;
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = _samples[(first + i) % MaxSamples];
            }

            var o = new NodeObservation(0, Math.Max(0, _inFlight), _failures, samples);
            _sampleCount = 0;
            _nextSample = 0;
            _failures = 0;
            return o;
        }
    }
}
