using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Replication.Silo;

var instance = new Option<int>("--instance")
{
    Description = "Instance number on this machine (0..99): silo port 11111+I, gateway port 30000+I. Instance 0 holds the development membership table.",
    DefaultValueFactory = _ => 0,
};
instance.Validators.Add(r =>
{
    if (r.GetValueOrDefault<int>() is < 0 or > 99)
    {
        r.AddError("--instance must be between 0 and 99.");
    }
});

var root = new RootCommand("Orleans.Replication silo: hosts replicated key-value groups on localhost clustering (development: instance 0 holds the membership table).")
{
    instance,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var i = parse.GetValue(instance);
    var builder = Host.CreateApplicationBuilder();
    builder.UseOrleans(silo =>
    {
        silo.UseLocalhostClustering(
            siloPort: SiloPorts.SiloBase + i,
            gatewayPort: SiloPorts.GatewayBase + i,
            primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, SiloPorts.SiloBase));
        silo.AddReplication();

        // Fast failure detection: a crashed silo is declared dead in about 1–2 s instead of 10–15 s. The cost is
        // that a silo stalled for over ~2 s (a long GC pause, an overloaded machine) may be declared dead too;
        // fencing makes that safe, and it only costs a needless failover.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
        });
    });
    try
    {
        await builder.Build().RunAsync(cancellationToken);
        return 0;
    }
    catch (Microsoft.Extensions.Options.OptionsValidationException e)
    {
        await Console.Error.WriteLineAsync("Invalid configuration: " + string.Join(" ", e.Failures));
        return 2;
    }
});

return await root.Parse(args).InvokeAsync();
