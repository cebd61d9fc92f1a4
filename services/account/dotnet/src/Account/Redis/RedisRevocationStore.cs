using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using PurposePath.Account.Sessions;

namespace PurposePath.Account.Redis;

/// <summary>A Redis ACL user's credentials (Redis 6 <c>AUTH username password</c>).</summary>
public sealed record RedisCredentials(string Username, string Password)
{
    // Never print the password, whatever logs a record.
    public override string ToString() => $"RedisCredentials {{ Username = {Username} }}";
}

/// <summary>Where Redis is: endpoint and port from the shared stack, TLS on except for a local redis-server.</summary>
public sealed record RedisEndpoint(string Host, int Port, bool Tls);

/// <summary>
/// The revocation markers in the stage's Redis, over one reused connection authenticated as
/// the service's own ACL user. A read is one MGET; a write is one pipeline of
/// <c>SET key 1 EX seconds</c>. Every network or protocol failure is a
/// <see cref="SessionStoreUnavailableException"/> (the caller applies the failure rule);
/// a connection that failed is dropped, and a call on a reused connection is tried once
/// more on a fresh one (ElastiCache closes idle connections).
/// </summary>
public sealed class RedisRevocationStore : IRevocationStore, IAsyncDisposable
{
    /// <summary>A dead endpoint must cost a request little: this bounds connect, TLS and AUTH.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    /// <summary>And this each round trip on an open connection.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMilliseconds(500);

    private readonly RedisEndpoint _endpoint;
    private readonly Func<CancellationToken, Task<RedisCredentials>> _credentials;
    private readonly Func<CancellationToken, Task<RespConnection>> _open;
    /// <summary>After a failure, calls fail at once for this long instead of each paying a connect timeout.</summary>
    public static readonly TimeSpan PauseAfterFailure = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private RespConnection? _connection;
    private long _pausedUntil; // Environment.TickCount64 milliseconds

    /// <param name="credentials">Reads the service's Redis user secret (cached by the caller).</param>
    public RedisRevocationStore(RedisEndpoint endpoint, Func<CancellationToken, Task<RedisCredentials>> credentials)
        : this(endpoint, credentials, ct => RespConnection.OpenAsync(endpoint.Host, endpoint.Port, endpoint.Tls, ct))
    {
    }

    /// <param name="open">Opens a connection (tests pass one over a scripted stream).</param>
    internal RedisRevocationStore(
        RedisEndpoint endpoint,
        Func<CancellationToken, Task<RedisCredentials>> credentials,
        Func<CancellationToken, Task<RespConnection>> open)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(open);
        _endpoint = endpoint;
        _credentials = credentials;
        _open = open;
    }

    public async Task<bool> AnyRevokedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var replies = await ExecuteAsync([["MGET", .. keys]], cancellationToken).ConfigureAwait(false);
        if (replies[0] is not object[] values || values.Length != keys.Count)
        {
            throw Unavailable("answered MGET with something other than one value per key");
        }

        return values.Any(value => value is not null);
    }

    public async Task RevokeAsync(IReadOnlyList<Revocation> revocations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocations);
        if (revocations.Count == 0)
        {
            return;
        }

        var commands = revocations
            .Select(revocation => new[]
            {
                "SET", revocation.Key, "1", "EX", Math.Max(1, revocation.Seconds).ToString(CultureInfo.InvariantCulture),
            })
            .ToList();
        var replies = await ExecuteAsync(commands, cancellationToken).ConfigureAwait(false);
        if (replies.Any(reply => reply as string != "OK"))
        {
            throw Unavailable("did not answer OK to every revocation SET");
        }
    }

    /// <summary>
    /// Runs other commands on the same connection (the abuse limits' scripts): one
    /// connection per container, with the same timeouts and the same pause after a failure.
    /// </summary>
    public Task<object?[]> RunAsync(IReadOnlyList<string[]> commands, CancellationToken cancellationToken) =>
        ExecuteAsync(commands, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await DropAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private async Task<object?[]> ExecuteAsync(IReadOnlyList<string[]> commands, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Environment.TickCount64 < _pausedUntil)
            {
                throw Unavailable("is paused after a failure");
            }

            var reused = _connection is not null;
            try
            {
                return await OnceAsync(commands, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (IsConnectionFailure(error, cancellationToken))
            {
                await DropAsync().ConfigureAwait(false);
                if (!reused)
                {
                    throw Unavailable(error);
                }
            }

            // The reused connection had gone stale: one more try on a fresh one.
            try
            {
                return await OnceAsync(commands, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (IsConnectionFailure(error, cancellationToken))
            {
                await DropAsync().ConfigureAwait(false);
                throw Unavailable(error);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    // The failure's type only: a RESP error message could in principle echo an argument.
    private SessionStoreUnavailableException Unavailable(Exception error)
    {
        _pausedUntil = Environment.TickCount64 + (long)PauseAfterFailure.TotalMilliseconds;
        return new($"Redis at {_endpoint.Host}:{_endpoint.Port} is unreachable ({error.GetType().Name})", error);
    }

    private SessionStoreUnavailableException Unavailable(string what) =>
        new($"Redis at {_endpoint.Host}:{_endpoint.Port} {what}");

    private async Task<object?[]> OnceAsync(IReadOnlyList<string[]> commands, CancellationToken cancellationToken)
    {
        var connection = _connection;
        if (connection is null)
        {
            // The secret is read outside the deadlines: a cold Secrets Manager call is not Redis being away.
            var credentials = await _credentials(cancellationToken).ConfigureAwait(false);
            using var connectDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectDeadline.CancelAfter(ConnectTimeout);
            connection = await ConnectAsync(credentials, connectDeadline.Token).ConfigureAwait(false);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(CommandTimeout);
        return await connection.ExecuteAsync(commands, deadline.Token).ConfigureAwait(false);
    }

    private async Task<RespConnection> ConnectAsync(RedisCredentials credentials, CancellationToken cancellationToken)
    {
        var connection = await _open(cancellationToken).ConfigureAwait(false);
        try
        {
            // Redis 6 ACL form: AUTH <username> <password> ("AUTH", redis.io commands reference).
            var reply = await connection.ExecuteAsync([["AUTH", credentials.Username, credentials.Password]], cancellationToken)
                .ConfigureAwait(false);
            if (reply[0] as string != "OK")
            {
                throw new RespException("AUTH was not answered OK");
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _connection = connection;
        return connection;
    }

    private async Task DropAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
            {
                // Already broken: closing is best effort.
            }
        }
    }

    // Timeouts surface as cancellation of our own deadline, not of the caller's token.
    private static bool IsConnectionFailure(Exception error, CancellationToken callerToken) =>
        error is IOException or SocketException or RespException or AuthenticationException or ObjectDisposedException
        || (error is OperationCanceledException && !callerToken.IsCancellationRequested);
}
