using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Replication.Silo;

var instance = new Option<int>("--instance")
{
    Description = "Instance number on this machine (0..99): silo port BASE+I, gateway port GATEWAY-BASE+I. Instance 0 holds the development membership table.",
    DefaultValueFactory = _ => 0,
};
var siloBase = new Option<int>("--silo-base-port") { Description = "Silo-to-silo port of instance 0.", DefaultValueFactory = _ => SiloPorts.SiloBase };
var gatewayBase = new Option<int>("--gateway-base-port") { Description = "Client gateway port of instance 0.", DefaultValueFactory = _ => SiloPorts.GatewayBase };

var root = new RootCommand("Orleans.Replication silo: hosts replicated key-value groups on localhost clustering (development: instance 0 holds the membership table).")
{
    instance, siloBase, gatewayBase,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var i = parse.GetValue(instance);
    var silo0 = parse.GetValue(siloBase);
    var gateway0 = parse.GetValue(gatewayBase);
    if (i is < 0 or > 99 || silo0 is < 1024 or > 65000 || gateway0 is < 1024 or > 65000 || Math.Abs(silo0 - gateway0) < 100)
    {
        await Console.Error.WriteLineAsync("error: --instance must be 0..99, the base ports 1024..65000 and at least 100 apart.");
        return 2;
    }

    var builder = Host.CreateApplicationBuilder();
    builder.UseOrleans(silo =>
    {
        silo.UseLocalhostClustering(
            siloPort: silo0 + i,
            gatewayPort: gateway0 + i,
            primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, silo0));
        silo.AddReplication();

        // The classic grain directory loses the entries a crashed silo held; a call then activates a second copy
        // of a live node, empty, beside the one that holds the data (seen in the crash test). The distributed
        // directory keeps one activation per node, at the price of being marked experimental in Orleans 10.4.2.
        // ORLEANS_REPLICATION_CLASSIC_DIRECTORY=1 turns it off; promotions are bound to the voting activation either way.
        if (Environment.GetEnvironmentVariable("ORLEANS_REPLICATION_CLASSIC_DIRECTORY") != "1")
        {
#pragma warning disable ORLEANSEXP003
            silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        }

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
