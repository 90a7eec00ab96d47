using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Orleans.Replication.Cli;

/// <summary>
/// An option taking a time: a number with a unit (<c>500ms</c>, <c>15s</c>, <c>2m</c>, <c>1h</c>), or bare seconds.
/// </summary>
/// <remarks>
/// The range is checked while the command line is parsed, so a bad time is a usage error (exit code 2) before
/// anything connects. The default is applied by <see cref="Value"/> and shown in the description as a user writes
/// it, not as a <see cref="TimeSpan"/> prints.
/// </remarks>
internal sealed class TimeOption : Option<TimeSpan?>
{
    /// <summary>The accepted forms, for messages.</summary>
    public const string Forms = "a number of seconds or one with a unit: 500ms, 15s, 2m, 1h";

    private readonly TimeSpan _default;

    /// <summary>
    /// An option between <paramref name="min"/> and <paramref name="max"/> (<paramref name="min"/> itself excluded when
    /// <paramref name="minExclusive"/>), <paramref name="defaultValue"/> when absent.
    /// </summary>
    public TimeOption(
        string name,
        string description,
        TimeSpan defaultValue,
        TimeSpan min,
        TimeSpan max,
        bool minExclusive = false
    )
        : base(name)
    {
        _default = defaultValue;
        Description = $"{description} Seconds, or with a unit: 500ms, 15s, 2m, 1h. [default: {Format(defaultValue)}]";
        HelpName = "time";
        CustomParser = result => ParseToken(result, name, min, max, minExclusive);
    }

    /// <summary>The time given, or the default.</summary>
    public TimeSpan Value(ParseResult parse) => parse.GetValue(this) ?? _default;

    /// <summary>
    /// Parses <paramref name="text"/>: a non-negative number followed by <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>, or
    /// a bare number in <paramref name="bareUnit"/>. False when it is not a time.
    /// </summary>
    public static bool TryParse(string? text, TimeSpan bareUnit, out TimeSpan time)
    {
        time = default;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s))
        {
            return false;
        }

        var digits = s.Length;
        while (digits > 0 && char.IsAsciiLetter(s[digits - 1]))
        {
            digits--;
        }

        TimeSpan? unit = s[digits..].ToLowerInvariant() switch
        {
            "" => bareUnit,
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            _ => null,
        };
        if (
            unit is null
            || !double.TryParse(
                s.AsSpan(0, digits).TrimEnd(),
                NumberStyles.AllowDecimalPoint,
                CultureInfo.InvariantCulture,
                out var amount
            )
            || !double.IsFinite(amount)
            || amount * unit.Value.TotalMilliseconds >= TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        time = TimeSpan.FromMilliseconds(amount * unit.Value.TotalMilliseconds);
        return true;
    }

    /// <summary>
    /// A time as a user would write it: <c>500ms</c>, <c>15s</c>, <c>2m</c>, <c>1h</c>, or seconds with decimals.
    /// </summary>
    public static string Format(TimeSpan time) =>
        time switch
        {
            _ when time == TimeSpan.Zero => "0s",
            _ when time < TimeSpan.FromSeconds(1) => Cli.Invariant($"{time.TotalMilliseconds:0.###}ms"),
            _ when time >= TimeSpan.FromHours(1) && time.Ticks % TimeSpan.TicksPerHour == 0 => Cli.Invariant(
                $"{time.TotalHours:0}h"
            ),
            _ when time >= TimeSpan.FromMinutes(1) && time.Ticks % TimeSpan.TicksPerMinute == 0 => Cli.Invariant(
                $"{time.TotalMinutes:0}m"
            ),
            _ => Cli.Invariant($"{time.TotalSeconds:0.###}s"),
        };

    private static TimeSpan? ParseToken(
        ArgumentResult result,
        string name,
        TimeSpan min,
        TimeSpan max,
        bool minExclusive
    )
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[0].Value;
        if (!TryParse(text, TimeSpan.FromSeconds(1), out var time))
        {
            result.AddError($"{name} '{text}' is not a time: give {Forms}.");
            return null;
        }

        if (time > max || time < min || (minExclusive && time == min))
        {
            var low = minExclusive ? $"more than {Format(min)}" : $"at least {Format(min)}";
            result.AddError($"{name} must be {low} and at most {Format(max)}; it is {text}.");
            return null;
        }

        return time;
    }
}
