using Orleans.Replication.WriteAhead;

namespace Orleans.Replication.Tests.WriteAhead;

public class RandomPowerCutTests
{
    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 24)];

    /// <summary>
    /// Appends, votes and snapshots with many appends in flight, cut power (tearing unsynced tails) at a random
    /// step, recover, and do it again on the recovered log: every acknowledged record must be back, in order,
    /// with no gap, and the payloads intact.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task EveryAcknowledgedRecordSurvivesARandomPowerCut(int seed)
    {
        var random = new Random(seed);
        var files = new PowerCutFileSystem();
        var options = new DurableLogOptions { SegmentSize = 4096 };
        await using LogHarness harness = await LogHarness.OpenAsync(files, options);
        long ackedSnapshot = 0;
        long ackedEpoch = 0;
        long askedSnapshot = 0;
        for (int cycle = 0; cycle < 3; cycle++)
        {
            var entries = new List<(long Index, Task Append)>();
            var votes = new List<(long Epoch, Task Append)>();
            var snapshots = new List<(long Index, Task Append)>();
            long next = harness.Log.LastIndex + 1;
            askedSnapshot = harness.Recovered.Snapshot?.Index ?? 0;
            long epoch = (harness.Recovered.Metadata.Vote?.Epoch ?? 0) + 1;
            int steps = random.Next(20, 400);
            for (int step = 0; step < steps; step++)
            {
                int choice = random.Next(100);
                if (choice < 85)
                {
                    entries.Add((next, harness.Log.AppendEntryAsync(next, epoch, LogHarness.Payload(next)).AsTask()));
                    next++;
                }
                else if (choice < 92)
                {
                    epoch++;
                    votes.Add((epoch, harness.Log.AppendVoteAsync(epoch, random.Next(3)).AsTask()));
                }
                else if (choice < 96 && next > askedSnapshot)
                {
                    // Snapshots cover committed state, which never goes back.
                    long covered = random.NextInt64(askedSnapshot, next);
                    askedSnapshot = covered;
                    snapshots.Add((covered,
                        harness.Log.WriteSnapshotAsync(covered, epoch, BitConverter.GetBytes(covered))));
                }
                else
                {
                    // Let the writer catch up on part of what is in flight before the next burst.
                    await entries.LastOrDefault().Append.WaitOrFaultAsync();
                }
            }

            // A last burst, so that the cut lands while the writer is busy with it.
            for (int burst = random.Next(1, 60); burst > 0; burst--)
            {
                entries.Add((next, harness.Log.AppendEntryAsync(next, epoch, LogHarness.Payload(next)).AsTask()));
                next++;
            }

            // What was acknowledged is decided before the cut: an fsync completes before its append does.
            long ackedIndex = Acknowledged(entries);
            ackedEpoch = Math.Max(ackedEpoch, Acknowledged(votes));
            ackedSnapshot = Math.Max(ackedSnapshot, Acknowledged(snapshots));
            files.CutPower(random, tear: true);
            await harness.RestartAsync();

            RecoveredLog recovered = harness.Recovered;
            string context =
                $"seed {seed}, cycle {cycle}, {steps} steps, acked index {ackedIndex}, acked snapshot {ackedSnapshot}";
            long snapshotIndex = recovered.Snapshot?.Index ?? 0;
            Assert.True(snapshotIndex >= ackedSnapshot, $"snapshot {snapshotIndex} lost; {context}");
            if (recovered.Snapshot is not null)
            {
                Assert.Equal(snapshotIndex, BitConverter.ToInt64(recovered.Snapshot.State.Span));
            }

            long[] indexes = LogHarness.Indexes(recovered);
            Assert.Equal(Enumerable.Range(0, indexes.Length).Select(i => snapshotIndex + 1 + i), indexes);
            Assert.True(recovered.LastIndex >= ackedIndex, $"recovered up to {recovered.LastIndex}; {context}");
            Assert.All(recovered.Entries,
                entry => Assert.Equal(LogHarness.Payload(entry.Index), entry.Payload.ToArray()));
            Assert.True((recovered.Metadata.Vote?.Epoch ?? 0) >= ackedEpoch, $"vote epoch went back; {context}");
        }
    }

    private static long Acknowledged(List<(long Value, Task Append)> calls) =>
        calls.Where(call => call.Append.IsCompletedSuccessfully).Select(call => call.Value).DefaultIfEmpty(0).Max();
}

internal static class TaskWaiting
{
    /// <summary>
    /// Waits for a task (if any) to finish, whatever its outcome; one still running after 10 s fails the test.
    /// </summary>
    public static async Task WaitOrFaultAsync(this Task? task)
    {
        if (task is not null && await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(10))) != task)
        {
            throw new TimeoutException("An append neither completed nor failed within 10 s.");
        }
    }
}
