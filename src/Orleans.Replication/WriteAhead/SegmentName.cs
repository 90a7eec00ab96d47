using System.Globalization;

namespace Orleans.Replication.WriteAhead;

/// <summary>Segment file names: <c>{sequence:D16}-{firstIndex:D20}.log</c>.</summary>
/// <remarks>
/// The sequence orders segments; the first index (the next entry index when the segment was opened) is for
/// people reading the directory. Naming by index alone would not do: after a truncation the next segment can
/// start at a lower index than the one before it.
/// </remarks>
internal static class SegmentName
{
    public const string Extension = ".log";

    public static string Format(long sequence, long firstIndex) =>
        string.Create(CultureInfo.InvariantCulture, $"{sequence:D16}-{firstIndex:D20}{Extension}");

    public static bool TryParse(string name, out long sequence)
    {
        sequence = 0;
        return name.Length == 16 + 1 + 20 + Extension.Length && name.EndsWith(Extension, StringComparison.Ordinal)
            && name[16] == '-'
            && long.TryParse(name.AsSpan(0, 16), NumberStyles.None, CultureInfo.InvariantCulture, out sequence)
            && long.TryParse(name.AsSpan(17, 20), NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
