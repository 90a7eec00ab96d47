using System.Diagnostics;
using Xunit.Sdk;

namespace Orleans.Replication.ClusterTests;

/// <summary>Waiting on a condition with a deadline, instead of sleeping.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> describe)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (watch.Elapsed > timeout)
            {
                throw new XunitException($"Condition not met within {timeout.TotalSeconds:0.#} s: {await describe()}");
            }

            await Task.Delay(20);
        }
    }

    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string description) =>
        HoldsAsync(condition, timeout, () => Task.FromResult(description));
}
