using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Orleans.Replication.Work;

namespace Orleans.Replication.ClusterTests.Work;

/// <summary>Task handlers and mappers the work tests register on their silos.</summary>
internal static class TestHandlers
{
    public static ISiloBuilder AddTestHandlers(this ISiloBuilder silo) => silo
        .AddTaskHandler<EchoHandler>()
        .AddTaskHandler<SleepHandler>()
        .AddTaskHandler<SkewedHandler>()
        .AddTaskHandler<FailingHandler>()
        .AddTaskHandler<CountingHandler>()
        .AddMapper<SlowWordCountMapper>()
        .AddMapper<PoisonedMapper>();
}

/// <summary>Returns its payload.</summary>
internal sealed class EchoHandler : ITaskHandler
{
    public string Name => "echo";

    public Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        Task.FromResult(payload.ToArray());
}

/// <summary>Sleeps the milliseconds its payload names (honouring the token), then returns them.</summary>
internal sealed class SleepHandler : ITaskHandler
{
    public string Name => "sleep";

    public async Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var ms = int.Parse(Encoding.UTF8.GetString(payload.Span), CultureInfo.InvariantCulture);
        await Task.Delay(ms, cancellationToken);
        return payload.ToArray();
    }
}

/// <summary>
/// Slow (300 ms) on the silo named in <see cref="SlowSilo"/>, fast (10 ms) elsewhere: a responder with a long response
/// time.
/// </summary>
internal sealed class SkewedHandler(ILocalSiloDetails silo) : ITaskHandler
{
    public static volatile string? SlowSilo;

    public string Name => "skewed";

    public async Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await Task.Delay(silo.SiloAddress.ToString() == SlowSilo ? 300 : 10, cancellationToken);
        return [];
    }
}

/// <summary>Always throws.</summary>
internal sealed class FailingHandler : ITaskHandler
{
    public string Name => "fail";

    public Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the handler refused the task");
}

/// <summary>Counts how often each payload ran and how many copies of it run at once; sleeps 300 ms.</summary>
internal sealed class CountingHandler : ITaskHandler
{
    public static readonly ConcurrentDictionary<string, int> Runs = new();
    public static readonly ConcurrentDictionary<string, int> Concurrent = new();
    public static readonly ConcurrentDictionary<string, int> MaxConcurrent = new();

    public string Name => "count";

    public async Task<byte[]> ExecuteAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var key = Encoding.UTF8.GetString(payload.Span);
        Runs.AddOrUpdate(key, 1, (_, n) => n + 1);
        var now = Concurrent.AddOrUpdate(key, 1, (_, n) => n + 1);
        MaxConcurrent.AddOrUpdate(key, now, (_, n) => Math.Max(n, now));
        try
        {
            await Task.Delay(300, cancellationToken);
        }
        finally
        {
            Concurrent.AddOrUpdate(key, 0, (_, n) => n - 1);
        }

        return [];
    }
}

/// <summary>The word count, 100 ms slower per chunk: keeps a job running long enough to stop a silo under it.</summary>
internal sealed class SlowWordCountMapper : IMapper
{
    public string Name => "slow-wordcount";

    public async ValueTask<byte[]> MapAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        await Task.Delay(100, cancellationToken);
        return WordCounting.Serialize(WordCounting.Count(chunk.Span));
    }
}

/// <summary>The word count, except that a chunk holding the word "poison" fails.</summary>
internal sealed class PoisonedMapper : IMapper
{
    public string Name => "poisoned";

    public ValueTask<byte[]> MapAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        var counts = WordCounting.Count(chunk.Span);
        return counts.ContainsKey("poison")
            ? throw new InvalidOperationException("a poisoned chunk")
            : ValueTask.FromResult(WordCounting.Serialize(counts));
    }
}
