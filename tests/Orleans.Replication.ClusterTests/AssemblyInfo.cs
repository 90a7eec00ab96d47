using Xunit;

// The cluster tests measure deadlines and failover on a 2-core machine: run one at a time, so that the
// real-process fault tests (four silo processes under load) do not starve the in-process clusters.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
