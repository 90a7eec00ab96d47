namespace Orleans.Replication.Work;

/// <summary>The task handlers, mappers and reducers registered on this silo, by name.</summary>
/// <remarks>Built once at start-up; two registrations with one name stop the silo with an error naming it. Thread-safe (read-only).</remarks>
internal sealed class WorkRegistry
{
    private readonly Dictionary<string, ITaskHandler> _handlers;
    private readonly Dictionary<string, IMapper> _mappers;
    private readonly Dictionary<string, IReducer> _reducers;

    public WorkRegistry(IEnumerable<ITaskHandler> handlers, IEnumerable<IMapper> mappers, IEnumerable<IReducer> reducers)
    {
        _handlers = ByName(handlers, h => h.Name, "task handler");
        _mappers = ByName(mappers, m => m.Name, "mapper");
        _reducers = ByName(reducers, r => r.Name, "reducer");
    }

    public IReadOnlyList<string> HandlerNames => [.. _handlers.Keys.Order(StringComparer.Ordinal)];

    public IReadOnlyList<string> MapperNames => [.. _mappers.Keys.Order(StringComparer.Ordinal)];

    public IReadOnlyList<string> ReducerNames => [.. _reducers.Keys.Order(StringComparer.Ordinal)];

    public bool TryGetHandler(string name, out ITaskHandler handler) => _handlers.TryGetValue(name, out handler!);

    public bool TryGetMapper(string name, out IMapper mapper) => _mappers.TryGetValue(name, out mapper!);

    public bool TryGetReducer(string name, out IReducer reducer) => _reducers.TryGetValue(name, out reducer!);

    private static Dictionary<string, T> ByName<T>(IEnumerable<T> items, Func<T, string> name, string what)
    {
        var byName = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var n = name(item);
            WorkLimits.ValidateName(n, what, "Name");
            if (!byName.TryAdd(n, item))
            {
                throw new InvalidOperationException($"Two {what}s are registered under the name '{n}': {byName[n]!.GetType().Name} and {item!.GetType().Name}.");
            }
        }

        return byName;
    }
}
