using Orleans.Replication.Testing.Baseline;
using Orleans.Serialization;

namespace Orleans.Hosting;

/// <summary>Hosts the plain baseline grain that the load generator's raw runs measure against.</summary>
public static class BaselineSiloBuilderExtensions
{
    /// <summary>
    /// Makes this silo host <see cref="IBaselineStoreGrain"/>, a plain dictionary in one grain with no replication (the
    /// load generator's <c>Raw</c> runs). Calling it twice is harmless.
    /// </summary>
    public static ISiloBuilder AddBaselineStore(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSerializer(s => s.AddAssembly(typeof(BaselineStoreGrain).Assembly));
        return builder;
    }
}
