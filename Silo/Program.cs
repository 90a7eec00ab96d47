using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Replication;
using Orleans.Replication.Options;
using Orleans.Replication.Silo;

// Exit codes: 0 stopped normally, 1 failed to start or crashed, 2 invalid command line or configuration.
var (values, errors, parse) = SiloCommandLine.Parse(args);
if (parse.Action is not null && errors.Count == 0)
{
    return await parse.InvokeAsync(); // --help, --version
}

if (errors.Count > 0)
{
    await Console.Error.WriteLineAsync("error: " + string.Join(" ", errors) + " Run with --help for usage.");
    return 2;
}

IHost host;
SiloSettings settings;
try
{
    var configuration = SiloHost.LoadConfiguration(values);
    settings = SiloSettings.Bind(configuration);
    var (storage, storageErrors) = SiloStorage.Resolve(settings, configuration, Environment.CurrentDirectory);
    if (settings.Validate().Concat(storageErrors).ToList() is { Count: > 0 } invalid)
    {
        await Console.Error.WriteLineAsync("error: invalid configuration: " + string.Join(" ", invalid));
        return 2;
    }

    // Before the host exists: a directory that cannot be used stops the silo with one line, and is left as it was.
    SiloHost.PrepareDataDirectory(settings, storage!);
    host = SiloHost.Build(settings, storage!, configuration);

    // Validate the replication options now, before anything starts or logs: a bad value is one line and exit code 2.
    _ = host.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value;
}
catch (ReplicationDataDirectoryException e)
{
    await Console.Error.WriteLineAsync($"error: the silo did not start: {e.Message}");
    return 1;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync("error: invalid configuration: " + string.Join(" ", e.Failures));
    return 2;
}
catch (InvalidOperationException e)
{
    // The configuration binder: a value of the wrong type, or an unknown setting in the Silo section.
    await Console.Error.WriteLineAsync("error: invalid configuration: " + e.Message);
    return 2;
}

using (host)
{
    try
    {
        using (var startDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(settings.StartTimeoutSeconds)))
        {
            await host.StartAsync(startDeadline.Token);
        }
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        var reason =
            e is OperationCanceledException
                ? $"it did not join the cluster within {settings.StartTimeoutSeconds} s"
                : e.GetBaseException().Message;
        await Console.Error.WriteLineAsync($"error: the silo did not start: {reason}");
        return 1;
    }

    var replication = host.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value;
    host.Services.GetRequiredService<ILoggerFactory>()
        .CreateLogger("Orleans.Replication.Silo")
        .LogInformation(
            "Silo started: name {SiloName}, clustering {Clustering}, silo port {SiloPort}, gateway port " +
            "{GatewayPort}, cluster {ClusterId}, service {ServiceId}, data {Data}, metrics {Metrics}, dashboard " +
            "{Dashboard}.",
            settings.EffectiveName,
            settings.IsRedis ? "redis " + settings.Redis : "localhost",
            settings.EffectiveSiloPort,
            settings.EffectiveGatewayPort,
            settings.ClusterId,
            settings.ServiceId,
            SiloStorage.Describe(replication.DataDirectory, replication.EffectiveDurability),
            string.Join(
                " and ",
                new[]
                {
                    settings.PrometheusPort is { } p ? $"prometheus :{p}/metrics" : null,
                    settings.Otlp is { } o ? "otlp " + o : null,
                }
                    .OfType<string>()
                    .DefaultIfEmpty("off")
            ),
            settings.DashboardPort is { } d ? $":{d}/dashboard" : "off"
        );

    // SIGTERM or Ctrl-C stops the host gracefully: the groups led from here are handed over first.
    await host.WaitForShutdownAsync();
    return 0;
}
