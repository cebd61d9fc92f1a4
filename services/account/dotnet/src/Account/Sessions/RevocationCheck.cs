using System.Globalization;
using System.Text.Json;
using PurposePath.Account.Auth;
using PurposePath.Account.Http;

namespace PurposePath.Account.Sessions;

/// <summary>
/// The revocation check on every authenticated request, and the failure rule when the store
/// is away. An answer is cached in-process for at most <see cref="CacheFor"/>, so a
/// revocation written anywhere takes effect here within a second. Redis unreachable: a
/// request with a write method (POST, PUT, PATCH, DELETE) answers 503
/// <c>session_store_unavailable</c> (fail closed: a revoked token must not change anything);
/// GET and HEAD are served (a revoked token can at worst read for the outage), logged once
/// per container and counted as the EMF metric <see cref="UnavailableMetric"/> in
/// <c>PurposePath/account</c>, which an alarm watches.
/// </summary>
public sealed class RevocationCheck
{
    public const string UnavailableMetric = "RevocationCheckUnavailable";
    public const string MetricNamespace = "PurposePath/account";
    public const string UnavailableCode = "session_store_unavailable";
    public const string RevokedMessage = "access token has been revoked";
    /// <summary>Half the one-second budget, as ppcommon.revocations: the rest is for the write to land.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromMilliseconds(500);

    // A container serves one request at a time; this only bounds memory under a token flood.
    private const int MaxCachedTokens = 10_000;

    private readonly IRevocationStore _store;
    private readonly TimeProvider _clock;
    private readonly Action<string> _warn;
    private readonly Action<string> _emitMetric;
    private readonly Dictionary<string, (bool Revoked, DateTimeOffset CheckedAt)> _cache = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _unavailableLogged;

    /// <param name="emitMetric">Writes one EMF line to stdout (CloudWatch Logs extracts the metric from it).</param>
    public RevocationCheck(IRevocationStore store, TimeProvider clock, Action<string> warn, Action<string> emitMetric)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(warn);
        ArgumentNullException.ThrowIfNull(emitMetric);
        _store = store;
        _clock = clock;
        _warn = warn;
        _emitMetric = emitMetric;
    }

    /// <summary>401 when the token is revoked; 503 for a write method when the store is away.</summary>
    public async Task EnsureNotRevokedAsync(AccessClaims claims, string method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var now = _clock.GetUtcNow();
        lock (_lock)
        {
            if (_cache.TryGetValue(claims.TokenId, out var cached) && now - cached.CheckedAt < CacheFor && now >= cached.CheckedAt)
            {
                if (cached.Revoked)
                {
                    throw ApiException.Unauthorized(RevokedMessage);
                }

                return;
            }
        }

        bool revoked;
        try
        {
            revoked = await _store.AnyRevokedAsync(RevocationKeys.Of(claims), cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException error)
        {
            if (IsWrite(method))
            {
                throw Unavailable();
            }

            ReportUnavailable(error);
            return;
        }

        lock (_lock)
        {
            if (_cache.Count >= MaxCachedTokens)
            {
                _cache.Clear();
            }

            _cache[claims.TokenId] = (revoked, now);
        }

        if (revoked)
        {
            throw ApiException.Unauthorized(RevokedMessage);
        }
    }

    /// <summary>Writes markers; 503 when the store is away (the caller has changed nothing yet).</summary>
    public async Task RevokeAsync(IReadOnlyList<Revocation> revocations, CancellationToken cancellationToken)
    {
        try
        {
            await _store.RevokeAsync(revocations, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException)
        {
            throw Unavailable();
        }
        finally
        {
            // This container's own answers may now be stale: drop them rather than wait a second.
            lock (_lock)
            {
                _cache.Clear();
            }
        }
    }

    public static ApiException Unavailable() =>
        ApiException.ServiceUnavailable(UnavailableCode, "the session store is unavailable; retry shortly");

    public static bool IsWrite(string method) =>
        method is not ("GET" or "HEAD" or "OPTIONS");

    /// <summary>
    /// One CloudWatch embedded metric format line ("Specification: Embedded metric format",
    /// Amazon CloudWatch User Guide): a count of 1 of <paramref name="metric"/> under
    /// <see cref="MetricNamespace"/>, no dimensions.
    /// </summary>
    public static string MetricLine(DateTimeOffset at, string metric = UnavailableMetric)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("_aws");
            writer.WriteNumber("Timestamp", at.ToUnixTimeMilliseconds());
            writer.WriteStartArray("CloudWatchMetrics");
            writer.WriteStartObject();
            writer.WriteString("Namespace", MetricNamespace);
            // One empty dimension set: the metric is published without dimensions, as
            // ppcommon.revocations does, so the alarm names only namespace and metric.
            writer.WriteStartArray("Dimensions");
            writer.WriteStartArray();
            writer.WriteEndArray();
            writer.WriteEndArray();
            writer.WriteStartArray("Metrics");
            writer.WriteStartObject();
            writer.WriteString("Name", metric);
            writer.WriteString("Unit", "Count");
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteNumber(metric, 1);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void ReportUnavailable(SessionStoreUnavailableException error)
    {
        var first = false;
        lock (_lock)
        {
            if (!_unavailableLogged)
            {
                _unavailableLogged = true;
                first = true;
            }
        }

        if (first)
        {
            _warn(string.Create(
                CultureInfo.InvariantCulture,
                $"revocation check unavailable ({error.Message}); serving reads without it, refusing writes with 503"));
        }

        _emitMetric(MetricLine(_clock.GetUtcNow()));
    }
}
