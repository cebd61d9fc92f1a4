using System.Globalization;
using PurposePath.Account.Redis;
using PurposePath.Account.Sessions;

namespace PurposePath.Account.Abuse;

/// <summary>
/// Buckets and failure counts in Redis with the Python runtime's keys, hash fields and Lua
/// scripts (account.rate_limits <c>BUCKET_LUA</c>, account.lockout <c>ATTEMPT_LUA</c> and
/// <c>FAILED_LUA</c>), so a runtime switch keeps every limit. Each read-modify-write is one
/// script, which Redis runs atomically ("Scripting with Lua", redis.io). The script text
/// goes with every call (EVAL): a few hundred bytes, where a NOSCRIPT retry would cost a
/// round trip on every cold container. Times come from the function's clock.
/// </summary>
public sealed class RedisAttemptStore(RedisRevocationStore redis) : IAttemptStore
{
    internal const string BucketScript = """
        local burst = tonumber(ARGV[1])
        local per = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        local state = redis.call('HMGET', KEYS[1], 't', 'u')
        local tokens = tonumber(state[1])
        local updated = tonumber(state[2])
        if tokens == nil or updated == nil then
          tokens = burst
          updated = now
        end
        local elapsed = now - updated
        if elapsed < 0 then elapsed = 0 end
        tokens = math.min(burst, tokens + elapsed / per)
        if now > updated then updated = now end
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
        else
          wait = (1 - tokens) * per
        end
        redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens),
                   'u', string.format('%.17g', updated))
        redis.call('EXPIRE', KEYS[1], ARGV[4])
        return string.format('%.17g', wait)
        """;

    internal const string AttemptScript = """
        local now = tonumber(ARGV[1])
        local state = redis.call('HMGET', KEYS[1], 'n', 'last')
        local n = tonumber(state[1]) or 0
        local last = tonumber(state[2]) or 0
        if now - last > tonumber(ARGV[6]) then
          n = 0
          last = 0
        end
        local untl = nil
        if n >= tonumber(ARGV[3]) then
          untl = last + tonumber(ARGV[4])
        elseif n >= tonumber(ARGV[2]) then
          untl = last + math.min(2 ^ (n - tonumber(ARGV[2])), tonumber(ARGV[5]))
        end
        if untl ~= nil and untl > now then
          return string.format('%.17g', untl - now)
        end
        if now > last then last = now end
        redis.call('HSET', KEYS[1], 'n', n + 1, 'last', string.format('%.17g', last))
        redis.call('EXPIRE', KEYS[1], ARGV[6])
        return '0'
        """;

    internal const string FailedScript = """
        local now = tonumber(ARGV[1])
        local state = redis.call('HMGET', KEYS[1], 'n', 'last')
        local n = tonumber(state[1])
        local last = tonumber(state[2]) or 0
        if n == nil or now - last > tonumber(ARGV[2]) then
          n = 1
          last = 0
          redis.call('HSET', KEYS[1], 'n', n)
        end
        if now > last then last = now end
        redis.call('HSET', KEYS[1], 'last', string.format('%.17g', last))
        redis.call('EXPIRE', KEYS[1], ARGV[2])
        return tostring(n)
        """;

    public async Task<double> TakeAsync(string key, Bucket bucket, double now, CancellationToken cancellationToken) =>
        Seconds(await RunAsync(
            ["EVAL", BucketScript, "1", key, Text(bucket.Capacity), Text(bucket.RefillSeconds), Text(now), Text(AbusePolicy.TimeToLive(bucket))],
            cancellationToken).ConfigureAwait(false));

    public async Task<double> AttemptAsync(string key, double now, CancellationToken cancellationToken) =>
        Seconds(await RunAsync(
            [
                "EVAL", AttemptScript, "1", key, Text(now),
                Text(AbusePolicy.DelayAfterFailures), Text(AbusePolicy.LockoutAfterFailures), Text(AbusePolicy.LockoutSeconds),
                Text(AbusePolicy.MaxDelaySeconds), Text(AbusePolicy.FailureMemorySeconds),
            ],
            cancellationToken).ConfigureAwait(false));

    public async Task<int> FailedAsync(string key, double now, CancellationToken cancellationToken) =>
        (int)Seconds(await RunAsync(["EVAL", FailedScript, "1", key, Text(now), Text(AbusePolicy.FailureMemorySeconds)], cancellationToken)
            .ConfigureAwait(false));

    public Task ClearAsync(string key, CancellationToken cancellationToken) => RunAsync(["DEL", key], cancellationToken);

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double Seconds(object? reply) =>
        reply is string text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new AttemptStoreUnavailableException("Redis answered an abuse-limit script with something other than a number");

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
