namespace Orleans.Replication.Client;

/// <summary>A session over a group: carries the newest token it has seen into every read.</summary>
internal sealed class ReplicatedSession(ReplicatedGroup group, SessionToken token) : IReplicatedSession
{
    private readonly Lock _lock = new();
    private SessionToken _token = token;

    public SessionToken Token
    {
        get
        {
            lock (_lock)
            {
                return _token;
            }
        }
    }

    internal void Observe(SessionToken seen)
    {
        lock (_lock)
        {
            _token = SessionToken.Max(_token, seen);
        }
    }

    public Task<WriteResult> PutAsync(
        string key,
        byte[] value,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    ) => group.PutAsync(key, value, options, this, cancellationToken);

    public Task<WriteResult> DeleteAsync(
        string key,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    ) => group.DeleteAsync(key, options, this, cancellationToken);

    public Task<CasResult> CompareAndSetAsync(
        string key,
        long expectedVersion,
        byte[] value,
        WriteOptions? options = null,
        CancellationToken cancellationToken = default
    ) => group.CompareAndSetAsync(key, expectedVersion, value, options, this, cancellationToken);

    public Task<ReadResult> GetAsync(
        string key,
        ReadOptions? options = null,
        CancellationToken cancellationToken = default
    ) => group.GetAsync(key, options, this, cancellationToken);
}
