using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

/// <summary>A writer and a log over a <see cref="PowerCutFileSystem"/>, reopened as a restart would.</summary>
internal sealed class LogHarness : IAsyncDisposable
{
    public const string Directory = "/wal/group-a/0";

    private LogHarness(PowerCutFileSystem files, DurableLogOptions options, DiskWriter writer, DurableLog log,
        RecoveredLog recovered)
    {
        Files = files;
        Options = options;
        Writer = writer;
        Log = log;
        Recovered = recovered;
    }

    public PowerCutFileSystem Files { get; }

    public DurableLogOptions Options { get; }

    public DiskWriter Writer { get; private set; }

    public DurableLog Log { get; private set; }

    public RecoveredLog Recovered { get; private set; }

    public static async Task<LogHarness> OpenAsync(PowerCutFileSystem? files = null, DurableLogOptions? options = null)
    {
        files ??= new PowerCutFileSystem();
        options ??= new DurableLogOptions();
        var writer = new DiskWriter(files, TimeProvider.System);
        (DurableLog log, RecoveredLog recovered) = await writer.OpenAsync(Directory, options);
        return new LogHarness(files, options, writer, log, recovered);
    }

    /// <summary>Abandons the writer after a crash or power cut (its handles are dead) and recovers.</summary>
    public async Task RestartAsync()
    {
        await AbandonAsync();
        Files.Restart();
        Writer = new DiskWriter(Files, TimeProvider.System);
        (Log, Recovered) = await Writer.OpenAsync(Directory, Options);
    }

    public async Task AbandonAsync()
    {
        try
        {
            await Writer.DisposeAsync();
        }
        catch (IOException)
        {
            // The simulated fault already killed the handles; a real process would be gone.
        }
    }

    public ValueTask DisposeAsync() => new(AbandonAsync());

    public static byte[] Payload(long index) =>
        BitConverter.GetBytes(index * 7919).Concat(new byte[index % 5 == 0 ? 300 : 3]).ToArray();

    public string[] Segments() =>
        Files.ListFiles(Directory).Where(name => name.EndsWith(".log", StringComparison.Ordinal)).Order().ToArray();

    public static long[] Indexes(RecoveredLog recovered) => recovered.Entries.Select(e => e.Index).ToArray();
}
