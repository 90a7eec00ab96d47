namespace Orleans.Replication;

/// <summary>Rules for replication group names and node keys.</summary>
/// <remarks>
/// A group name is 1 to <see cref="MaxLength"/> characters of ASCII letters, digits, '-', '_' and '.'.
/// A node is the grain keyed <c>"{group}/{index}"</c>; '/' cannot appear in a group name, so a node key
/// always splits back into exactly one group and one index.
/// </remarks>
public static class GroupNames
{
    /// <summary>The longest group name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>The group used when none is named.</summary>
    public const string Default = "default";

    /// <summary>Returns null when <paramref name="name"/> is a valid group name, else why it is not.</summary>
    public static string? GetError(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "A group name must not be null or empty.";
        }

        if (name.Length > MaxLength)
        {
            return $"The group name '{name[..16]}…' is {name.Length} characters long; " +
                $"at most {MaxLength} are allowed.";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return $"The group name '{name}' contains '{c}'; only letters, digits, '-', '_' and '.' are allowed.";
            }
        }

        return null;
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when <paramref name="name"/> is not a valid group name.
    /// </summary>
    public static void Validate(string? name, string paramName = "group")
    {
        if (GetError(name) is { } error)
        {
            throw new ArgumentException(error, paramName);
        }
    }

    /// <summary>The grain key of node <paramref name="index"/> of <paramref name="group"/>.</summary>
    public static string NodeKey(string group, int index) => $"{group}/{index}";

    /// <summary>Splits a node key made by <see cref="NodeKey"/>.</summary>
    public static (string Group, int Index) ParseNodeKey(string key) =>
        TryParseNodeKey(key, out var group, out var index)
            ? (group, index)
            : throw new FormatException($"'{key}' is not a node key of the form 'group/index'.");

    /// <summary>Splits a node key into group and index; false when <paramref name="key"/> is not a node key.</summary>
    public static bool TryParseNodeKey(string key, out string group, out int index)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out index))
        {
            group = "";
            index = 0;
            return false;
        }

        group = key[..slash];
        return true;
    }
}
