using Orleans.Replication.Cli;
using Orleans.Replication.Hosting;

SocketTuning.PreferInlineCompletions(); // before the first socket is used
return await Cli.RunAsync(args, Console.Out, Console.Error);
