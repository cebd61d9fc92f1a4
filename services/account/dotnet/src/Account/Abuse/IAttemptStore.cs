namespace PurposePath.Account.Abuse;

/// <summary>The store cannot answer now (Redis away): the limits fall back to this container's memory.</summary>
public sealed class AttemptStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
}

/// <summary>
/// Where buckets and failure counts live: Redis in production, memory in tests and as the
/// fallback. The semantics are account.rate_limits' and account.lockout's, so a runtime
/// switch keeps every limit.
/// </summary>
public interface IAttemptStore
{
    /// <summary>Takes one token from <paramref name="key"/>'s bucket; answers the seconds to wait when it is empty (0 when taken).</summary>
    Task<double> TakeAsync(string key, Bucket bucket, double now, CancellationToken cancellationToken);

    /// <summary>
    /// Checks whether an attempt may go ahead (0) or must wait (seconds); an allowed attempt
    /// is counted as a failure at once, atomically with the check, so attempts racing in on
    /// one account cannot all pass on the same count while their hashes run.
    /// </summary>
    Task<double> AttemptAsync(string key, double now, CancellationToken cancellationToken);

    /// <summary>The attempt failed: the last failure moves to <paramref name="now"/>; answers the failures so far.</summary>
    Task<int> FailedAsync(string key, double now, CancellationToken cancellationToken);

    /// <summary>The attempt succeeded (or a reset completed): the failures are forgotten.</summary>
    Task ClearAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Buckets and counters in this process: tests, and the fallback while Redis is away.</summary>
public sealed class InMemoryAttemptStore : IAttemptStore
{
    // Bounds memory under a flood of distinct keys (the oldest entries go first).
    private const int MaxKeys = 10_000;

    private readonly Dictionary<string, (double Tokens, double Updated)> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FailureRecord> _failures = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<double> TakeAsync(string key, Bucket bucket, double now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var (tokens, updated) = _buckets.TryGetValue(key, out var state) ? state : ((double)bucket.Capacity, now);
            tokens = Math.Min(bucket.Capacity, tokens + (Math.Max(0, now - updated) / bucket.RefillSeconds));
            updated = Math.Max(updated, now);
            double wait = 0;
            if (tokens >= 1)
            {
                tokens -= 1;
            }
            else
            {
                wait = (1 - tokens) * bucket.RefillSeconds;
            }

            Remember(_buckets, key, (tokens, updated));
            return Task.FromResult(wait);
        }
    }

    public Task<double> AttemptAsync(string key, double now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var live = Live(key, now);
            var wait = AbusePolicy.WaitBeforeNextAttempt(live, now);
            if (wait == 0)
            {
                live = new FailureRecord(live.Count + 1, Math.Max(live.LastFailureAt, now));
            }

            Remember(_failures, key, live);
            return Task.FromResult(wait);
        }
    }

    public Task<int> FailedAsync(string key, double now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var live = Live(key, now);
            var record = new FailureRecord(Math.Max(live.Count, 1), Math.Max(live.LastFailureAt, now));
            Remember(_failures, key, record);
            return Task.FromResult(record.Count);
        }
    }

    public Task ClearAsync(string key, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }

        return Task.CompletedTask;
    }

    private FailureRecord Live(string key, double now) =>
        _failures.TryGetValue(key, out var record) && !(record.Count > 0 && now - record.LastFailureAt > AbusePolicy.FailureMemorySeconds)
            ? record
            : default;

    private static void Remember<T>(Dictionary<string, T> map, string key, T value)
    {
        map.Remove(key);
        if (map.Count >= MaxKeys)
        {
            map.Remove(map.Keys.First());
        }

        map[key] = value;
    }
}
