namespace Orleans.Replication.Work;

/// <summary>Runs a registered mapper on the chunk of a map task.</summary>
/// <remarks>The registry is looked up on first use: it is built from the handlers, this one among them.</remarks>
internal sealed class MapTaskHandler(IServiceProvider services) : ITaskHandler
{
    private WorkRegistry? _registry;

    public string Name => MapReducePayloads.MapHandler;

    public async Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var (name, chunk) = MapReducePayloads.DecodeMap(payload);
        _registry ??= (WorkRegistry)services.GetService(typeof(WorkRegistry))!;
        return await _registry.GetMapper(name).MapAsync(chunk, cancellationToken);
    }
}

/// <summary>Runs a registered reducer over the partial outputs of a reduce task.</summary>
/// <remarks>The registry is looked up on first use: it is built from the handlers, this one among them.</remarks>
internal sealed class ReduceTaskHandler(IServiceProvider services) : ITaskHandler
{
    private WorkRegistry? _registry;

    public string Name => MapReducePayloads.ReduceHandler;

    public async Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var (name, partials) = MapReducePayloads.DecodeReduce(payload);
        _registry ??= (WorkRegistry)services.GetService(typeof(WorkRegistry))!;
        return await _registry.GetReducer(name).ReduceAsync(partials, cancellationToken);
    }
}

/// <summary>The built-in word-count mapper: counts the words of a chunk (see <see cref="WordCounting"/>).</summary>
internal sealed class WordCountMapper : IMapper
{
    public string Name => WordCounting.Name;

    public ValueTask<byte[]> MapAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        ValueTask.FromResult(WordCounting.Serialize(WordCounting.Count(chunk.Span)));
}

/// <summary>The built-in word-count reducer: sums the counts of each word.</summary>
internal sealed class WordCountReducer : IReducer
{
    public string Name => WordCounting.Name;

    public ValueTask<byte[]> ReduceAsync(
        IReadOnlyList<ReadOnlyMemory<byte>> partials,
        CancellationToken cancellationToken
    )
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in partials)
        {
            cancellationToken.ThrowIfCancellationRequested();
            WordCounting.MergeInto(p, counts);
        }

        return ValueTask.FromResult(WordCounting.Serialize(counts));
    }
}
