using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Hosting;
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
