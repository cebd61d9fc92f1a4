using System.Globalization;
using PurposePath.Account.Redis;
using PurposePath.Account.Sessions;

namespace PurposePath.Account.Abuse;

/// <summary>
/// Buckets and failure counts in Redis, each read-modify-write one Lua script so concurrent
/// containers cannot both take the last token ("Scripting with Lua", redis.io: a script runs
/// atomically). The script text goes with every call (EVAL): it is a few hundred bytes, and a
/// NOSCRIPT retry would cost a round trip on every cold container. Times are passed in (the
/// function's clock) so tests can move them; keys expire on their own.
/// </summary>
public sealed class RedisAttemptStore(RedisRevocationStore redis) : IAttemptStore
{
    // KEYS[1] bucket; ARGV capacity, refill seconds per token, now (s), ttl (s). Returns the wait in seconds.
    internal const string TakeScript = """
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local capacity = tonumber(ARGV[1])
        local refill = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        local tokens = tonumber(state[1]) or capacity
        local at = tonumber(state[2]) or now
        tokens = math.min(capacity, tokens + math.max(0, now - at) / refill)
        local wait = 0
        if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) * refill end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
        redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
        return tostring(wait)
        """;

    // KEYS[1] failures; ARGV now (s), memory (s). Returns the new count.
    internal const string FailScript = """
        local last = tonumber(redis.call('HGET', KEYS[1], 'last'))
        local count = 0
        if last and tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then
          count = tonumber(redis.call('HGET', KEYS[1], 'count')) or 0
        end
        count = count + 1
        redis.call('HSET', KEYS[1], 'count', tostring(count), 'last', ARGV[1])
        redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
        return count
        """;

    public async Task<double> TakeAsync(string key, Bucket bucket, double now, CancellationToken cancellationToken)
    {
        var ttl = (int)Math.Ceiling(bucket.Capacity * bucket.RefillSeconds) + 1;
        var reply = await RunAsync(["EVAL", TakeScript, "1", key, Text(bucket.Capacity), Text(bucket.RefillSeconds), Text(now), Text(ttl)], cancellationToken)
            .ConfigureAwait(false);
        return reply is string wait && double.TryParse(wait, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : throw new AttemptStoreUnavailableException("Redis answered the bucket script with something other than a number");
    }

    public async Task<FailureRecord> FailuresAsync(string key, CancellationToken cancellationToken)
    {
        var reply = await RunAsync(["HMGET", key, "count", "last"], cancellationToken).ConfigureAwait(false);
        if (reply is not object?[] { Length: 2 } values || values[0] is not string count || values[1] is not string last)
        {
            return default;
        }

        return new FailureRecord(
            int.Parse(count, NumberStyles.Integer, CultureInfo.InvariantCulture),
            double.Parse(last, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    public async Task<FailureRecord> AddFailureAsync(string key, double now, CancellationToken cancellationToken)
    {
        var reply = await RunAsync(["EVAL", FailScript, "1", key, Text(now), Text(AbusePolicy.FailureMemorySeconds)], cancellationToken)
            .ConfigureAwait(false);
        return reply is long count
            ? new FailureRecord((int)count, now)
            : throw new AttemptStoreUnavailableException("Redis answered the failure script with something other than a count");
    }

    public Task ClearFailuresAsync(string key, CancellationToken cancellationToken) =>
        RunAsync(["DEL", key], cancellationToken);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private async Task<object?> RunAsync(string[] command, CancellationToken cancellationToken)
    {
        try
        {
            return (await redis.RunAsync([command], cancellationToken).ConfigureAwait(false))[0];
        }
        catch (SessionStoreUnavailableException error)
        {
            throw new AttemptStoreUnavailableException(error.Message, error);
        }
    }
}
