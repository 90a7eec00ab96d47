namespace Orleans.Replication;

/// <summary>Defaults and hard bounds shared by the silo and the client library.</summary>
public static class ReplicationLimits
{
    /// <summary>Default longest key, in UTF-8 bytes (1 KiB).</summary>
    public const int DefaultMaxKeyBytes = 1024;

    /// <summary>Default largest value, in bytes (1 MiB).</summary>
    public const int DefaultMaxValueBytes = 1024 * 1024;

    /// <summary>Fewest nodes a group may have.</summary>
    public const int MinNodeCount = 1;

    /// <summary>Most nodes a group may have.</summary>
    public const int MaxNodeCount = 7;

    /// <summary>Default number of nodes in a group: one primary and two replicas.</summary>
    public const int DefaultNodeCount = 3;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless the key is non-empty and at most <paramref name="maxKeyBytes"/>
    /// UTF-8 bytes.
    /// </summary>
    public static void ValidateKey(string? key, int maxKeyBytes = DefaultMaxKeyBytes)
    {
        if (key is null)
        {
            throw new ArgumentNullException(nameof(key), "A key must not be null.");
        }

        if (key.Length == 0)
        {
            throw new ArgumentException("A key must not be empty.", nameof(key));
        }

        var bytes = System.Text.Encoding.UTF8.GetByteCount(key);
        if (bytes > maxKeyBytes)
        {
            throw new ArgumentException(
                $"The key is {bytes} bytes long in UTF-8; at most {maxKeyBytes} are allowed.",
                nameof(key)
            );
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless the value is non-null and at most <paramref name="maxValueBytes"/>
    /// bytes.
    /// </summary>
    public static void ValidateValue(byte[]? value, int maxValueBytes = DefaultMaxValueBytes)
    {
        if (value is null)
        {
            throw new ArgumentNullException(
                nameof(value),
                "A value must not be null; use DeleteAsync to remove a key."
            );
        }

        if (value.Length > maxValueBytes)
        {
            throw new ArgumentException(
                $"The value is {value.Length} bytes long; at most {maxValueBytes} are allowed.",
                nameof(value)
            );
        }
    }

    /// <summary>Longest time a change of a group's size may take (a new node's full sync).</summary>
    public static readonly TimeSpan MaxGroupChangeTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> unless the timeout of a change of a group's size is positive
    /// and at most <see cref="MaxGroupChangeTimeout"/>.
    /// </summary>
    public static void ValidateGroupChangeTimeout(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero || timeout > MaxGroupChangeTimeout)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout),
                timeout,
                "The timeout of a change of the group must be positive and at most " +
                $"{MaxGroupChangeTimeout.TotalMinutes:0} minutes."
            );
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> unless 1 ≤ <paramref name="nodeCount"/> ≤ 7.
    /// </summary>
    public static void ValidateNodeCount(int nodeCount)
    {
        if (nodeCount is < MinNodeCount or > MaxNodeCount)
        {
            throw new ArgumentOutOfRangeException(nameof(nodeCount), nodeCount,
                $"A group has {MinNodeCount} to {MaxNodeCount} nodes; {nodeCount} is outside that range.");
        }
    }
}
