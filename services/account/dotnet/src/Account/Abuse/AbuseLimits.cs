using System.Security.Cryptography;
using System.Text;
using PurposePath.Account.Http;

namespace PurposePath.Account.Abuse;

/// <summary>
/// The abuse limits of the account routes (as account.rate_limits and account.lockout):
/// token buckets per source IP, and per-account progressive delay then lockout, checked
/// before any password is hashed so a locked account costs no KDF. Redis holds the state
/// (keys <c>rl:ip:&lt;bucket&gt;:&lt;ip&gt;</c>, <c>rl:fail:email:&lt;sha256&gt;</c>,
/// <c>rl:fail:user:&lt;id&gt;</c>); while it is away this container's memory does, logged
/// once and counted as <see cref="SecurityEvents.RateLimitStoreUnavailable"/>.
/// </summary>
public sealed class AbuseLimits
{
    public const string LockedMessage = "too many failed sign-ins for this account; try again in {0} s or reset the password";
    public const string RateLimitedMessage = "too many requests from this address; try again in {0} s";

    private readonly IAttemptStore _store;
    private readonly InMemoryAttemptStore _fallback = new();
    private readonly TimeProvider _clock;
    private readonly SecurityEvents _events;
    private readonly Action<string> _warn;
    private bool _fallbackLogged;

    public AbuseLimits(IAttemptStore store, TimeProvider clock, SecurityEvents events, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(warn);
        _store = store;
        _clock = clock;
        _events = events;
        _warn = warn;
    }

    /// <summary>Where security events are counted (the refresh-token reuse check reports there too).</summary>
    public SecurityEvents Events => _events;

    /// <summary>
    /// The failure key of an address (known or not): its SHA-256, so no address is stored in
    /// Redis. An address with no canonical form is passed as the empty string, so it is
    /// limited like an unknown one (as account.lockout.email_key).
    /// </summary>
    public static string EmailKey(string email) =>
        "email:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email)));

    public static string UserKey(string userId) => "user:" + userId;

    /// <summary>429 when <paramref name="sourceIp"/> has used up <paramref name="bucketName"/>'s bucket.</summary>
    public async Task CheckSourceAsync(string bucketName, string sourceIp, CancellationToken cancellationToken)
    {
        var bucket = AbusePolicy.Named(bucketName);
        var key = $"rl:ip:{bucket.Name}:{(sourceIp.Length == 0 ? "unknown" : sourceIp)}";
        var wait = await WithFallbackAsync(store => store.TakeAsync(key, bucket, Now(), cancellationToken)).ConfigureAwait(false);
        if (wait > 0)
        {
            _events.RateLimited();
            throw ApiException.TooManyRequests(string.Format(System.Globalization.CultureInfo.InvariantCulture, RateLimitedMessage, Math.Ceiling(wait)), wait);
        }
    }

    /// <summary>
    /// 429 while the account must wait (progressive delay) or is locked out; otherwise the
    /// attempt is counted at once (cleared again by <see cref="SucceededAsync"/>). Called
    /// before any password is hashed, so a refused attempt costs no KDF.
    /// </summary>
    public async Task BeforeAttemptAsync(string accountKey, CancellationToken cancellationToken)
    {
        var wait = await WithFallbackAsync(store => store.AttemptAsync(FailureKey(accountKey), Now(), cancellationToken)).ConfigureAwait(false);
        if (wait > 0)
        {
            _events.RateLimited();
            throw ApiException.TooManyRequests(string.Format(System.Globalization.CultureInfo.InvariantCulture, LockedMessage, Math.Ceiling(wait)), wait);
        }
    }

    public async Task FailedAsync(string accountKey, CancellationToken cancellationToken)
    {
        _events.LoginFailed();
        var failures = await WithFallbackAsync(store => store.FailedAsync(FailureKey(accountKey), Now(), cancellationToken)).ConfigureAwait(false);
        if (failures >= AbusePolicy.LockoutAfterFailures)
        {
            _events.AccountLockedOut();
        }
    }

    public Task SucceededAsync(string accountKey, CancellationToken cancellationToken) =>
        WithFallbackAsync(async store =>
        {
            await store.ClearAsync(FailureKey(accountKey), cancellationToken).ConfigureAwait(false);
            return true;
        });

    private static string FailureKey(string accountKey) => "rl:fail:" + accountKey;

    private double Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    private async Task<T> WithFallbackAsync<T>(Func<IAttemptStore, Task<T>> operation)
    {
        try
        {
            return await operation(_store).ConfigureAwait(false);
        }
        catch (AttemptStoreUnavailableException error)
        {
            if (!_fallbackLogged)
            {
                _fallbackLogged = true;
                _warn($"abuse limits kept in this container's memory: the store is unavailable ({error.Message})");
            }

            _events.RateLimitStoreUnavailable();
            return await operation(_fallback).ConfigureAwait(false);
        }
    }
}
