namespace PurposePath.Account.Abuse;

/// <summary>The store cannot answer now (Redis away): the limits fall back to this container's memory.</summary>
public sealed class AttemptStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
}

/// <summary>Where buckets and failure counts live: Redis in production, memory in tests and as the fallback.</summary>
public interface IAttemptStore
{
    /// <summary>Takes one token from <paramref name="key"/>'s bucket; answers the seconds to wait when it is empty (0 when taken).</summary>
    Task<double> TakeAsync(string key, Bucket bucket, double now, CancellationToken cancellationToken);

    Task<FailureRecord> FailuresAsync(string key, CancellationToken cancellationToken);

    /// <summary>Counts one more failure at <paramref name="now"/> and answers the new record.</summary>
    Task<FailureRecord> AddFailureAsync(string key, double now, CancellationToken cancellationToken);

    Task ClearFailuresAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Buckets and counters in this process: tests, and the fallback while Redis is away.</summary>
public sealed class InMemoryAttemptStore : IAttemptStore
{
    // Bounds memory under a flood of distinct keys (a container serves one request at a time).
    private const int MaxKeys = 10_000;

    private readonly Dictionary<string, (double Tokens, double At)> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FailureRecord> _failures = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<double> TakeAsync(string key, Bucket bucket, double now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var (tokens, at) = _buckets.TryGetValue(key, out var state) ? state : ((double)bucket.Capacity, now);
            tokens = Math.Min(bucket.Capacity, tokens + (Math.Max(0, now - at) / bucket.RefillSeconds));
            if (tokens >= 1)
            {
                Remember(_buckets, key, (tokens - 1, now));
                return Task.FromResult(0.0);
            }

            Remember(_buckets, key, (tokens, now));
            return Task.FromResult((1 - tokens) * bucket.RefillSeconds);
        }
    }

    public Task<FailureRecord> FailuresAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_failures.TryGetValue(key, out var record) ? record : default);
        }
    }

    public Task<FailureRecord> AddFailureAsync(string key, double now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var previous = _failures.TryGetValue(key, out var record) && now - record.LastFailureAt < AbusePolicy.FailureMemorySeconds
                ? record.Count
                : 0;
            var updated = new FailureRecord(previous + 1, now);
            Remember(_failures, key, updated);
            return Task.FromResult(updated);
        }
    }

    public Task ClearFailuresAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }

        return Task.CompletedTask;
    }

    private static void Remember<T>(Dictionary<string, T> map, string key, T value)
    {
        if (map.Count >= MaxKeys && !map.ContainsKey(key))
        {
            map.Clear();
        }

        map[key] = value;
    }
}
