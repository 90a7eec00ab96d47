using System.CommandLine;
using Orleans.Replication.Client;

namespace Orleans.Replication.Cli;

/// <summary>The <c>cas KEY EXPECTED_VERSION VALUE</c> verb: compare-and-set on the key's version.</summary>
/// <remarks>Exit code 0 when the value was written, 1 when the key was at another version (the current one is
/// printed).</remarks>
internal static class CasCommand
{
    public static Command Create(
        TextWriter output,
        TextWriter error,
        Func<ParseResult, CancellationToken, Func<ClusterConnection, Task<int>>, Task<int>> run,
        Func<ParseResult, WriteOptions> writeOptions,
        Option<string> group)
    {
        var key = new Argument<string>("key") { Description = "The key." };
        var expected = new Argument<long>("expected-version")
        {
            Description = "The version the key must have (0: the key must be absent).",
        };
        var value = new Argument<string>("value") { Description = "The new value (UTF-8 text)." };
        var command = new Command(
            "cas",
            "Set KEY to VALUE only if its version is EXPECTED_VERSION (exit code 1 when it is not).")
        {
            key, expected, value,
        };
        command.SetAction((p, ct) =>
        {
            var version = p.GetValue(expected);
            if (version < 0)
            {
                error.WriteLine(Cli.Invariant($"error: expected-version must be 0 or more; it is {version}."));
                return Task.FromResult(ExitCodes.Usage);
            }

            return run(p, ct, async c =>
            {
                var r = await c.Store.Group(p.GetValue(group)!)
                    .CompareAndSetAsync(p.GetValue(key)!, version, p.GetValue(value)!, writeOptions(p), ct);
                if (!r.Succeeded)
                {
                    await error.WriteLineAsync(
                        Cli.Invariant($"(cas failed) {p.GetValue(key)} is at version ") +
                        Cli.Invariant($"{r.Version}{(r.Version == 0 ? " (absent)" : "")}, not {version}"));
                    return ExitCodes.Failed;
                }

                await output.WriteLineAsync(Cli.Written(r.Version, r.Epoch));
                return ExitCodes.Ok;
            });
        });
        return command;
    }
}
