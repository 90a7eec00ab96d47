using Orleans.Replication.LoadBalancing;

namespace Orleans.Replication.Client;

/// <summary>One node as one client sees it: its reads in flight there, response times, and failures since the last report.</summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class NodeReadStats
{
    private readonly Lock _lock = new();
    private readonly MovingAverage _average = new();
    private readonly List<double> _samples = [];
    private int _inFlight;
    private int _failures;
    private bool _suspect;
    private bool _used;

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
            _used = true;
            if (answered)
            {
                _average.Add(ms);
                if (_samples.Count == 100)
                {
                    _samples.RemoveAt(0);
                }

                _samples.Add(ms);
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
            if (!_used && _inFlight == 0)
            {
                return null;
            }

            var o = new NodeObservation(0, Math.Max(0, _inFlight), _failures, [.. _samples]);
            _samples.Clear();
            _failures = 0;
            _used = false;
            return o;
        }
    }
}
