using System.Text;

namespace Orleans.Replication.ClusterTests.Work;

/// <summary>Deterministic text for word counts: mixed case, unicode words, tabs, several spaces, empty lines.</summary>
internal static class TextGenerator
{
    private static readonly string[] Words =
    [
        "the",
        "The",
        "THE",
        "orleans",
        "Grain",
        "silo",
        "replica",
        "über",
        "Straße",
        "ÉCOLE",
        "école",
        "naïve",
        "привет",
        "Мир",
        "мир",
        "日本語",
        "テキスト",
        "ελληνικά",
        "Σίσυφος",
        "emoji😀",
        "a",
        "I",
        "x1",
        "co-op",
        "don't",
        "1234",
    ];

    public static string Generate(int approximateBytes, int seed)
    {
        var random = new Random(seed);
        var b = new StringBuilder(approximateBytes + 64);
        while (b.Length < approximateBytes)
        {
            for (var line = 0; line < 200 && b.Length < approximateBytes; line++)
            {
                var n = random.Next(0, 14);
                for (var i = 0; i < n; i++)
                {
                    b.Append(Words[random.Next(Words.Length)]);
                    b.Append(random.Next(10) switch { 0 => "\t", 1 => "   ", 2 => "\u00A0", _ => " " });
                }

                b.Append(random.Next(8) == 0 ? "\n\n\n" : random.Next(10) == 0 ? "\r\n" : "\n");
            }
        }

        return b.ToString();
    }

    /// <summary>The direct count: the whole text, lower-cased, split on white space, in this process.</summary>
    public static Dictionary<string, long> DirectCount(string text) =>
        text.ToLowerInvariant()
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .GroupBy(w => w, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);

    public static void AssertSameCounts(
        IReadOnlyDictionary<string, long> expected,
        IReadOnlyDictionary<string, long> actual
    )
    {
        var missing = expected.Where(e => !actual.TryGetValue(e.Key, out var n) || n != e.Value).Take(5).ToList();
        var extra = actual.Where(a => !expected.ContainsKey(a.Key)).Take(5).ToList();
        Xunit.Assert.True(
            missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"Counts differ: {expected.Count} expected words, {actual.Count} counted; wrong or missing: " +
            $"{string.Join(", ", missing.Select(m =>
                $"{m.Key}={m.Value} (got {actual.GetValueOrDefault(m.Key)})"))}; " +
            $"unexpected: {string.Join(", ", extra.Select(e => $"{e.Key}={e.Value}"))}"
        );
    }
}
