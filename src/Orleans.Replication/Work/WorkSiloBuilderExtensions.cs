using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Replication.Work;

namespace Orleans.Hosting;

/// <summary>
/// Registers task handlers, mappers and reducers on a silo (every silo of the cluster should register the same ones).
/// </summary>
public static class WorkSiloBuilderExtensions
{
    /// <summary>
    /// Adds a task handler; tasks name it by <see cref="ITaskHandler.Name"/>. Adding the same type twice is harmless.
    /// </summary>
    public static ISiloBuilder AddTaskHandler<THandler>(this ISiloBuilder builder)
        where THandler : class, ITaskHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandler, THandler>());
        return builder;
    }

    /// <summary>Adds a MapReduce mapper; jobs name it by <see cref="IMapper.Name"/>.</summary>
    public static ISiloBuilder AddMapper<TMapper>(this ISiloBuilder builder)
        where TMapper : class, IMapper
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IMapper, TMapper>());
        return builder;
    }

    /// <summary>Adds a MapReduce reducer; jobs name it by <see cref="IReducer.Name"/>.</summary>
    public static ISiloBuilder AddReducer<TReducer>(this ISiloBuilder builder)
        where TReducer : class, IReducer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IReducer, TReducer>());
        return builder;
    }

    /// <summary>
    /// Work distribution: the pools' controllers and responders, responder placement, the MapReduce handlers and the
    /// built-in word count. Options bind from <c>Replication:Work</c>, then <paramref name="configure"/>. Opt-in:
    /// <c>AddReplication</c> does not add it; every silo of the cluster should call it, and clients call
    /// <c>services.AddWorkDistribution()</c>. Calling it twice is harmless.
    /// </summary>
    public static ISiloBuilder AddWorkDistribution(this ISiloBuilder builder, Action<WorkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<WorkOptions>();
        options.Bind(builder.Configuration.GetSection(WorkOptions.SectionName));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<WorkOptions>, WorkOptionsValidator>()
        );
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<WorkRegistry>();
        builder.AddTaskHandler<MapTaskHandler>().AddTaskHandler<ReduceTaskHandler>();
        builder.AddMapper<WordCountMapper>().AddReducer<WordCountReducer>();
        if (!builder.Services.Any(d => d.ServiceType == typeof(ResponderPlacementDirector)))
        {
            builder.Services.AddSingleton<ResponderPlacementDirector>();
            builder.AddPlacementDirector<ResponderPlacement, ResponderPlacementDirector>();
        }

        return builder;
    }
}
