using Orleans.Replication.LoadBalancing;
using Orleans.Replication.Work;

namespace Orleans.Replication.Client;

/// <summary>A MapReduce job: which mapper and reducer (registered on the silos), chunking and limits.</summary>
public sealed record MapReduceJob
{
    /// <summary>The mapper's name.</summary>
    public string Mapper { get; init; } = WordCounting.Name;

    /// <summary>The reducer's name.</summary>
    public string Reducer { get; init; } = WordCounting.Name;

    /// <summary>The job's id, the prefix of its task ids; a fresh one when null.</summary>
    public string? Id { get; init; }

    /// <summary>Bytes per chunk of file input (cut at white space); capped by the pool's payload limit.</summary>
    public int ChunkBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Chunks submitted and not yet mapped, at most; null for twice the pool's slots. Bounds the client's memory.
    /// </summary>
    public int? MaxChunksInFlight { get; init; }

    /// <summary>Map outputs of one responder combined by one reduce task.</summary>
    public int CombineEvery { get; init; } = 8;

    /// <summary>The timeout of each map or reduce task.</summary>
    public TimeSpan? TaskTimeout { get; init; }

    /// <summary>How responders are picked; null for the pool's strategy.</summary>
    public LoadBalancingStrategy? Strategy { get; init; }

    /// <summary>The whole job's deadline.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Throws <see cref="ArgumentException"/> on a bad setting.</summary>
    public void Validate()
    {
        WorkLimits.ValidateName(Mapper, "mapper", nameof(Mapper));
        WorkLimits.ValidateName(Reducer, "reducer", nameof(Reducer));
        if (Id is not null)
        {
            WorkLimits.ValidateTaskId(Id + "/m0", nameof(Id));
        }

        if (ChunkBytes is < 1 || MaxChunksInFlight is < 1 || CombineEvery < 2)
        {
            throw new ArgumentException(
                "ChunkBytes and MaxChunksInFlight must be positive and CombineEvery at least 2; they are " +
                $"{ChunkBytes}, {MaxChunksInFlight}, {CombineEvery}."
            );
        }

        if (Timeout <= TimeSpan.Zero || TaskTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Timeouts must be positive; they are {Timeout} and {TaskTimeout}.");
        }
    }
}

/// <summary>Where a MapReduce job is.</summary>
/// <param name="Phase">"map", "combine" or "reduce".</param>
/// <param name="BytesRead">Input bytes read so far.</param>
/// <param name="ChunksSubmitted">Map tasks submitted.</param>
/// <param name="ChunksMapped">Map tasks finished.</param>
/// <param name="Reductions">Reduce tasks finished (combines and final reductions).</param>
/// <param name="Retries">Attempts run again because a responder's silo left, or tasks submitted again because the
/// controller lost them.</param>
public sealed record MapReduceProgress(
    string Phase,
    long BytesRead,
    int ChunksSubmitted,
    int ChunksMapped,
    int Reductions,
    int Retries
);

/// <summary>The outcome of a MapReduce job.</summary>
/// <param name="Output">The reducer's final output (the mapper's output for a single chunk; null for no input).</param>
/// <param name="Bytes">Input bytes.</param>
/// <param name="Chunks">Map tasks.</param>
/// <param name="Reductions">Reduce tasks.</param>
/// <param name="Retries">See <see cref="MapReduceProgress.Retries"/>.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="ChunksByResponder">How many chunks each responder mapped (by responder id).</param>
public sealed record MapReduceResult(
    byte[]? Output,
    long Bytes,
    int Chunks,
    int Reductions,
    int Retries,
    TimeSpan Elapsed,
    IReadOnlyDictionary<int, int> ChunksByResponder
);

/// <summary>The outcome of a word count.</summary>
/// <param name="Counts">Each word (lower-cased) and how often it occurs.</param>
/// <param name="Job">The MapReduce job's figures.</param>
public sealed record WordCountResult(IReadOnlyDictionary<string, long> Counts, MapReduceResult Job)
{
    /// <summary>Words in all.</summary>
    public long TotalWords => Counts.Values.Sum();

    /// <summary>
    /// The <paramref name="n"/> most frequent words, the most frequent first (ties in ordinal order).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, long>> Top(int n) =>
        [.. Counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(n)];
}
