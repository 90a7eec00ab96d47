namespace Orleans.Replication.Work;

/// <summary>Runs a registered mapper on the chunk of a map task.</summary>
internal sealed class MapTaskHandler(IServiceProvider services) : ITaskHandler
{
    public string Name => MapReducePayloads.MapHandler;

    public async Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var (name, chunk) = MapReducePayloads.DecodeMap(payload);
        var registry = (WorkRegistry)services.GetService(typeof(WorkRegistry))!;
        return registry.TryGetMapper(name, out var mapper)
            ? await mapper.MapAsync(chunk, cancellationToken)
            : throw new ArgumentException($"No mapper named '{name}' is registered; registered: {string.Join(", ", registry.MapperNames)}.");
    }
}

/// <summary>Runs a registered reducer over the partial outputs of a reduce task.</summary>
internal sealed class ReduceTaskHandler(IServiceProvider services) : ITaskHandler
{
    public string Name => MapReducePayloads.ReduceHandler;

    public async Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var (name, partials) = MapReducePayloads.DecodeReduce(payload);
        var registry = (WorkRegistry)services.GetService(typeof(WorkRegistry))!;
        return registry.TryGetReducer(name, out var reducer)
            ? await reducer.ReduceAsync(partials, cancellationToken)
            : throw new ArgumentException($"No reducer named '{name}' is registered; registered: {string.Join(", ", registry.ReducerNames)}.");
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

    public ValueTask<byte[]> ReduceAsync(IReadOnlyList<ReadOnlyMemory<byte>> partials, CancellationToken cancellationToken)
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
