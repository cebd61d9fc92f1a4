using PurposePath.Account.Auth;
using PurposePath.Account.Http;
using PurposePath.Account.Storage;

namespace PurposePath.Account.Accounts;

/// <summary>The pair a login or refresh answers with.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, int ExpiresIn);

/// <summary>
/// The account use cases: register, login, refresh, logout, who-am-I, delete-me. Routes
/// parse HTTP and call these; these decide and call the stores. Same decisions, same
/// messages as the Python runtime (account.auth).
/// </summary>
public sealed class AccountService
{
    public const int AccessTokenTtlSeconds = AccessTokens.DefaultTtlSeconds;

    /// <summary>One message for an unknown email and a wrong password, so the answer reveals nothing.</summary>
    public const string InvalidCredentials = "invalid email or password";

    public const string InvalidRefreshToken = "invalid refresh token";
    public const string UnknownUser = "the token's user no longer exists";

    private readonly IUserStore _users;
    private readonly ISessionStore _sessions;
    private readonly IJwtSecretSource _secret;
    private readonly PasswordHasher _passwords;
    private readonly TimeProvider _clock;
    private readonly Action<string> _warn;

    public AccountService(
        IUserStore users,
        ISessionStore sessions,
        IJwtSecretSource secret,
        PasswordHasher passwords,
        TimeProvider clock,
        Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(passwords);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(warn);
        _users = users;
        _sessions = sessions;
        _secret = secret;
        _passwords = passwords;
        _clock = clock;
        _warn = warn;
    }

    public async Task<User> RegisterAsync(Registration request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = new User(
            UserId: Guid.NewGuid().ToString(),
            Email: request.Email,
            Name: request.Name,
            TenantId: Guid.NewGuid().ToString(),
            Role: DynamoUserStore.OwnerRole,
            PasswordHash: _passwords.Hash(request.Password));
        if (!await _users.TryRegisterAsync(user, request.TenantName, Now(), cancellationToken).ConfigureAwait(false))
        {
            throw ApiException.Conflict("an account with this email already exists");
        }

        return user;
    }

    public async Task<TokenPair> LoginAsync(Credentials request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Validation.CodePoints(request.Password) > Validation.MaxPasswordChars)
        {
            throw ApiException.Unauthorized(InvalidCredentials); // no account can hold such a password
        }

        var user = await _users.FindByEmailAsync(request.Email, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            // Spend the KDF anyway: a fast "no" would tell which emails have accounts.
            _passwords.BurnEquivalentTime(request.Password);
            throw ApiException.Unauthorized(InvalidCredentials);
        }

        if (!PasswordHasher.Verify(request.Password, user.PasswordHash))
        {
            throw ApiException.Unauthorized(InvalidCredentials);
        }

        if (_passwords.NeedsRehash(user.PasswordHash))
        {
            await _users.UpdatePasswordHashAsync(user.UserId, _passwords.Hash(request.Password), cancellationToken)
                .ConfigureAwait(false);
        }

        var refreshToken = RefreshTokens.NewToken();
        await _sessions.StartAsync(Guid.NewGuid().ToString(), user, RefreshTokens.Hash(refreshToken), Now(), cancellationToken)
            .ConfigureAwait(false);
        return new TokenPair(await AccessTokenAsync(user, cancellationToken).ConfigureAwait(false), refreshToken, AccessTokenTtlSeconds);
    }

    /// <summary>Spends <paramref name="refreshToken"/> and answers a new pair; a spent token presented again revokes its session.</summary>
    public async Task<TokenPair> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var record = await FindTokenAsync(refreshToken, cancellationToken).ConfigureAwait(false);
        var now = Now();
        if (record is null)
        {
            throw ApiException.Unauthorized(InvalidRefreshToken);
        }

        if (record.Status == Status.Used)
        {
            await RevokeForReuseAsync(record.SessionId, now, cancellationToken).ConfigureAwait(false);
            throw ApiException.Unauthorized(InvalidRefreshToken);
        }

        if (record.Status != Status.Active || record.ExpiresAt <= now)
        {
            throw ApiException.Unauthorized(InvalidRefreshToken);
        }

        var successor = RefreshTokens.NewToken();
        switch (await _sessions.RotateAsync(record, RefreshTokens.Hash(successor), now, cancellationToken).ConfigureAwait(false))
        {
            case Rotation.Rotated:
                break;
            case Rotation.AlreadySpent:
                // Spent between our read and our write: two holders of one token.
                await RevokeForReuseAsync(record.SessionId, now, cancellationToken).ConfigureAwait(false);
                throw ApiException.Unauthorized(InvalidRefreshToken);
            default:
                throw ApiException.Unauthorized(InvalidRefreshToken);
        }

        var user = await _users.FindByIdAsync(record.UserId, cancellationToken).ConfigureAwait(false);
        if (user is null || user.TenantId != record.TenantId)
        {
            await _sessions.EndAsync(record.SessionId, now, cancellationToken).ConfigureAwait(false);
            throw ApiException.Unauthorized(UnknownUser);
        }

        return new TokenPair(await AccessTokenAsync(user, cancellationToken).ConfigureAwait(false), successor, AccessTokenTtlSeconds);
    }

    /// <summary>Ends the session of <paramref name="refreshToken"/>, which must belong to the caller.</summary>
    public async Task LogoutAsync(AccessClaims claims, string refreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var record = await FindTokenAsync(refreshToken, cancellationToken).ConfigureAwait(false);
        if (record is null || record.UserId != claims.UserId)
        {
            // Someone else's token gets the same answer as an unknown one: no oracle.
            throw ApiException.Unauthorized(InvalidRefreshToken);
        }

        await _sessions.EndAsync(record.SessionId, Now(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<User> CurrentUserAsync(AccessClaims claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var user = await _users.FindByIdAsync(claims.UserId, cancellationToken).ConfigureAwait(false);
        if (user is null || user.TenantId != claims.TenantId)
        {
            throw ApiException.Unauthorized(UnknownUser);
        }

        return user;
    }

    /// <summary>The caller's tenant, chosen by the verified token, never by the path.</summary>
    public async Task<Tenant> CurrentTenantAsync(AccessClaims claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return await _users.FindTenantAsync(claims.TenantId, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("the token's tenant no longer exists");
    }

    /// <summary>Removes the caller, its sessions and tokens, and its tenant when it was the only owner.</summary>
    public async Task DeleteAccountAsync(AccessClaims claims, CancellationToken cancellationToken)
    {
        var user = await CurrentUserAsync(claims, cancellationToken).ConfigureAwait(false);
        await _sessions.PurgeUserAsync(user.UserId, cancellationToken).ConfigureAwait(false);
        await _users.DeleteAsync(user, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The verified claims of an <c>Authorization: Bearer</c> header (401 when absent or invalid).</summary>
    public async Task<AccessClaims> BearerClaimsAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            throw ApiException.Unauthorized("Authorization header is missing: send 'Bearer <access token>'");
        }

        var trimmed = authorization.Trim();
        var space = trimmed.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? trimmed : trimmed[..space];
        var token = space < 0 ? string.Empty : trimmed[(space + 1)..].Trim();
        if (!scheme.Equals("bearer", StringComparison.OrdinalIgnoreCase) || token.Length == 0)
        {
            throw ApiException.Unauthorized("Authorization header must be 'Bearer <access token>'");
        }

        var secret = await _secret.GetAsync(cancellationToken).ConfigureAwait(false);
        return AccessTokens.Verify(secret, token, Now());
    }

    private async Task<TokenRecord?> FindTokenAsync(string refreshToken, CancellationToken cancellationToken) =>
        RefreshTokens.IsWellFormed(refreshToken)
            ? await _sessions.FindTokenAsync(RefreshTokens.Hash(refreshToken), cancellationToken).ConfigureAwait(false)
            : null;

    private async Task RevokeForReuseAsync(string sessionId, long now, CancellationToken cancellationToken)
    {
        // The token is never logged: only the session, which is what an operator acts on.
        _warn($"refresh token reuse detected; session {sessionId} revoked");
        await _sessions.EndAsync(sessionId, now, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> AccessTokenAsync(User user, CancellationToken cancellationToken)
    {
        var secret = await _secret.GetAsync(cancellationToken).ConfigureAwait(false);
        return AccessTokens.Issue(secret, user.UserId, user.TenantId, user.Role, Now(), AccessTokenTtlSeconds);
    }

    private long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();
}
