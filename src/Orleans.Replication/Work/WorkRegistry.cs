namespace Orleans.Replication.Work;

/// <summary>The task handlers, mappers and reducers registered on this silo, by name.</summary>
/// <remarks>Built once at start-up; two registrations with one name stop the silo with an error naming it. Thread-safe
/// (read-only).</remarks>
internal sealed class WorkRegistry
{
    private readonly Dictionary<string, ITaskHandler> _handlers;
    private readonly Dictionary<string, IMapper> _mappers;
    private readonly Dictionary<string, IReducer> _reducers;

    public WorkRegistry(
        IEnumerable<ITaskHandler> handlers,
        IEnumerable<IMapper> mappers,
        IEnumerable<IReducer> reducers
    )
    {
        _handlers = ByName(handlers, h => h.Name, "task handler");
        _mappers = ByName(mappers, m => m.Name, "mapper");
        _reducers = ByName(reducers, r => r.Name, "reducer");
        HandlerNames = [.. _handlers.Keys.Order(StringComparer.Ordinal)];
        MapperNames = [.. _mappers.Keys.Order(StringComparer.Ordinal)];
        ReducerNames = [.. _reducers.Keys.Order(StringComparer.Ordinal)];
    }

    public IReadOnlyList<string> HandlerNames { get; }

    public IReadOnlyList<string> MapperNames { get; }

    public IReadOnlyList<string> ReducerNames { get; }

    /// <summary>
    /// The task handler named <paramref name="name"/>; throws <see cref="ArgumentException"/> (parameter
    /// <paramref name="paramName"/>) naming those registered when there is none.
    /// </summary>
    public ITaskHandler GetHandler(string name, string? paramName = null) =>
        Require(_handlers, name, "task handler", HandlerNames, paramName);

    /// <summary>
    /// The mapper named <paramref name="name"/>; throws <see cref="ArgumentException"/> naming those registered when
    /// there is none.
    /// </summary>
    public IMapper GetMapper(string name) => Require(_mappers, name, "mapper", MapperNames, null);

    /// <summary>
    /// The reducer named <paramref name="name"/>; throws <see cref="ArgumentException"/> naming those registered when
    /// there is none.
    /// </summary>
    public IReducer GetReducer(string name) => Require(_reducers, name, "reducer", ReducerNames, null);

    public bool TryGetHandler(string name, out ITaskHandler handler) => _handlers.TryGetValue(name, out handler!);

    public bool TryGetMapper(string name, out IMapper mapper) => _mappers.TryGetValue(name, out mapper!);

    public bool TryGetReducer(string name, out IReducer reducer) => _reducers.TryGetValue(name, out reducer!);

    private static T Require<T>(
        Dictionary<string, T> byName,
        string name,
        string what,
        IReadOnlyList<string> names,
        string? paramName
    ) =>
        byName.TryGetValue(name, out var found)
            ? found
            : throw new ArgumentException(
                $"No {what} named '{name}' is registered; registered: {string.Join(", ", names)}.",
                paramName
            );

    private static Dictionary<string, T> ByName<T>(IEnumerable<T> items, Func<T, string> name, string what)
    {
        var byName = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var n = name(item);
            WorkLimits.ValidateName(n, what, "Name");
            if (!byName.TryAdd(n, item))
            {
                throw new InvalidOperationException(
                    $"Two {what}s are registered under the name '{n}': {byName[n]!.GetType().Name} and " +
                    $"{item!.GetType().Name}."
                );
            }
        }

        return byName;
    }
}
