namespace Orleans.Replication.Work;

/// <summary>Fixed limits and name rules of work distribution.</summary>
/// <remarks>Pool names follow the group-name rules (<see cref="GroupNames"/>): letters, digits, '-', '_' and
/// '.'.</remarks>
public static class WorkLimits
{
    /// <summary>The longest task id accepted.</summary>
    public const int MaxTaskIdLength = 256;

    /// <summary>The longest handler, mapper or reducer name accepted.</summary>
    public const int MaxNameLength = 128;

    /// <summary>The pool used when none is named.</summary>
    public const string DefaultPool = "default";

    /// <summary>
    /// The longest a <see cref="ITaskControllerGrain.GetResultAsync"/> call waits (below Orleans' 30 s response
    /// timeout).
    /// </summary>
    public static readonly TimeSpan MaxResultWait = TimeSpan.FromSeconds(20);

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="pool"/> is not a valid pool name.</summary>
    public static void ValidatePool(string? pool, string paramName = "pool")
    {
        if (GroupNames.GetError(pool) is { } error)
        {
            throw new ArgumentException(error.Replace("group name", "pool name", StringComparison.Ordinal), paramName);
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when <paramref name="taskId"/> is null, empty, too long or has control
    /// characters.
    /// </summary>
    public static void ValidateTaskId(string? taskId, string paramName = "taskId")
    {
        if (string.IsNullOrEmpty(taskId))
        {
            throw new ArgumentException("A task id must not be null or empty.", paramName);
        }

        if (taskId.Length > MaxTaskIdLength)
        {
            throw new ArgumentException(
                $"The task id '{taskId[..16]}…' is {taskId.Length} characters long; at most {MaxTaskIdLength} are " +
                "allowed.",
                paramName
            );
        }

        if (taskId.Any(char.IsControl))
        {
            throw new ArgumentException("A task id must not contain control characters.", paramName);
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when <paramref name="name"/> is not a valid handler, mapper or reducer
    /// name.
    /// </summary>
    public static void ValidateName(string? name, string what, string paramName)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException($"A {what} name must not be null or blank.", paramName);
        }

        if (name.Length > MaxNameLength || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException(
                $"The {what} name '{name}' must be at most {MaxNameLength} characters, without spaces or control " +
                "characters.",
                paramName
            );
        }
    }
}
