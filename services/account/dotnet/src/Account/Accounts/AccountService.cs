using PurposePath.Account.Abuse;
using PurposePath.Account.Auth;
using PurposePath.Account.Events;
using PurposePath.Account.Mail;
using PurposePath.Account.Http;
using PurposePath.Account.Sessions;
using PurposePath.Account.Storage;

namespace PurposePath.Account.Accounts;

/// <summary>The pair a login, refresh or password change answers with.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, int ExpiresIn);

/// <summary>
/// The account use cases: register, login, refresh, logout, logout everywhere, password
/// change, who-am-I, delete-me. Routes parse HTTP and call these; these decide and call the
/// stores. Same decisions, same messages as the Python runtime (account.auth).
/// Revocations are written before anything else changes, so when the session store is away
/// a 503 leaves the account as it was and the client can retry.
/// </summary>
public sealed class AccountService
{
    public const int AccessTokenTtlSeconds = AccessTokens.DefaultTtlSeconds;

    /// <summary>One message for an unknown email and a wrong password, so the answer reveals nothing.</summary>
    public const string InvalidCredentials = "invalid email or password";

    public const string InvalidRefreshToken = "invalid refresh token";
    public const string UnknownUser = "the token's user no longer exists";

    /// <summary>A destructive request on a token whose session has ended (checked in DynamoDB, strongly).</summary>
    public const string SessionEnded = "the token's session has ended; sign in again";

    public const string EmailNotVerifiedCode = "email_not_verified";
    public const string EmailNotVerified =
        "confirm your email address first: open the link in the message we sent (registering again sends a new one)";

    public const string InvalidTokenCode = "invalid_token";
    public const string InvalidToken = "the link is invalid, used or expired: ask for a new one";

    public const string EmailUnavailableCode = "email_unavailable";

    public const long VerifyTokenSeconds = 24 * 3600;
    public const long ResetTokenSeconds = 3600;


    private readonly IUserStore _users;
    private readonly ISessionStore _sessions;
    private readonly IAccessTokens _tokens;
    private readonly RevocationCheck _revocations;
    private readonly IAccountEvents _events;
    private readonly PasswordHasher _passwords;
    private readonly TimeProvider _clock;
    private readonly Action<string> _warn;
    private readonly IMailer _mailer;
    private readonly string _publicBaseUrl;
    private readonly AbuseLimits _limits;

    /// <param name="publicBaseUrl">The account API's public base URL, which emailed links start with.</param>
    public AccountService(
        IUserStore users,
        ISessionStore sessions,
        IAccessTokens tokens,
        RevocationCheck revocations,
        IAccountEvents events,
        PasswordHasher passwords,
        TimeProvider clock,
        Action<string> warn,
        IMailer mailer,
        string publicBaseUrl,
        AbuseLimits limits)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(revocations);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(passwords);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(warn);
        ArgumentNullException.ThrowIfNull(mailer);
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        ArgumentNullException.ThrowIfNull(limits);
        _mailer = mailer;
        _publicBaseUrl = publicBaseUrl;
        _limits = limits;
        _users = users;
        _sessions = sessions;
        _tokens = tokens;
        _revocations = revocations;
        _events = events;
        _passwords = passwords;
        _clock = clock;
        _warn = warn;
    }

    /// <summary>
    /// Registers a new address, or answers a taken one the same way (FORMATS.md, "Register";
    /// as account.auth.register), with the same work: one KDF hash, the two lookups of a
    /// login, one transaction and one message. New: the claim, the user (unverified), the
    /// tenant and a verification token in one transaction, and the link. Taken and verified:
    /// the attempt is recorded and the owner told. Taken and unverified: the attempt and a
    /// fresh token, and a new link. A taken account's password, name and tenant never change.
    /// </summary>
    /// <param name="linkBase">How the request came (<see cref="ApiRequest.LinkBase"/>): emailed links go back that way.</param>
    public async Task RegisterAsync(Registration request, string linkBase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var baseUrl = PublicBaseUrl(linkBase);
        var passwordHash = _passwords.Hash(request.Password);
        var now = Now();
        var existing = await _users.FindByEmailAsync(request.Email, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var user = new User(
                UserId: Guid.NewGuid().ToString(),
                Email: request.Email,
                Name: request.Name,
                TenantId: Guid.NewGuid().ToString(),
                Role: DynamoUserStore.OwnerRole,
                PasswordHash: passwordHash,
                EmailVerified: false);
            var token = EmailTokens.NewToken();
            var verification = TokenItem(EmailTokenKind.Verify, token, user.UserId, now);
            if (await _users.TryRegisterAsync(user, request.TenantName, now, verification, cancellationToken).ConfigureAwait(false))
            {
                await SendAsync(AccountMail.Verification(user.Email, baseUrl, token), cancellationToken).ConfigureAwait(false);
                return;
            }

            // Claimed between the lookup and the write: answer as for a taken address.
            existing = await _users.FindByEmailAsync(request.Email, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                return; // a claim whose user is gone: nobody to tell
            }
        }

        if (existing.EmailVerified)
        {
            await _users.RecordRegistrationAttemptAsync(existing.UserId, now, null, cancellationToken).ConfigureAwait(false);
            await SendAsync(AccountMail.ExistingAccount(existing.Email), cancellationToken).ConfigureAwait(false);
            return;
        }

        var fresh = EmailTokens.NewToken();
        await _users.RecordRegistrationAttemptAsync(existing.UserId, now, TokenItem(EmailTokenKind.Verify, fresh, existing.UserId, now), cancellationToken)
            .ConfigureAwait(false);
        await SendAsync(AccountMail.Verification(existing.Email, baseUrl, fresh), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Spends a verification token and marks its owner's address verified; 400 <c>invalid_token</c> otherwise.</summary>
    public async Task VerifyEmailAsync(string token, CancellationToken cancellationToken)
    {
        if (!EmailTokens.IsWellFormed(token))
        {
            throw InvalidTokenError();
        }

        var owner = await _users.ConsumeEmailTokenAsync(EmailTokenKind.Verify, EmailTokens.Hash(token), Now(), cancellationToken)
            .ConfigureAwait(false);
        if (owner is null || await _users.FindByIdAsync(owner, cancellationToken).ConfigureAwait(false) is null)
        {
            throw InvalidTokenError();
        }

        await _users.MarkEmailVerifiedAsync(owner, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a reset link when <paramref name="email"/> (canonical, or null when it has no
    /// canonical form) has an account; the answer is the same when it has none (the same
    /// two lookups, no message).
    /// </summary>
    public async Task RequestPasswordResetAsync(string? email, string linkBase, CancellationToken cancellationToken)
    {
        var baseUrl = PublicBaseUrl(linkBase);
        var user = await _users.FindByEmailAsync(email ?? string.Empty, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return;
        }

        var token = EmailTokens.NewToken();
        await _users.PutEmailTokenAsync(TokenItem(EmailTokenKind.Reset, token, user.UserId, Now()), cancellationToken)
            .ConfigureAwait(false);
        await SendAsync(AccountMail.PasswordReset(user.Email, baseUrl, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether a reset link is still usable, without spending it (400 <c>invalid_token</c> when not).</summary>
    public async Task CheckPasswordResetAsync(string token, CancellationToken cancellationToken)
    {
        if (!EmailTokens.IsWellFormed(token)
            || await _users.PeekEmailTokenAsync(EmailTokenKind.Reset, EmailTokens.Hash(token), Now(), cancellationToken).ConfigureAwait(false) is null)
        {
            throw InvalidTokenError();
        }
    }

    /// <summary>
    /// Spends a reset token, sets the new password, marks the address verified (the link
    /// proved the mailbox), ends every session everywhere and clears the account's lockout.
    /// </summary>
    public async Task ConfirmPasswordResetAsync(PasswordReset reset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reset);
        if (!EmailTokens.IsWellFormed(reset.Token))
        {
            throw InvalidTokenError();
        }

        var owner = await _users.ConsumeEmailTokenAsync(EmailTokenKind.Reset, EmailTokens.Hash(reset.Token), Now(), cancellationToken)
            .ConfigureAwait(false);
        var user = owner is null ? null : await _users.FindByIdAsync(owner, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            throw InvalidTokenError();
        }

        var now = Now();
        var sessionIds = new SortedSet<string>(
            await _sessions.SessionIdsOfUserAsync(user.UserId, cancellationToken).ConfigureAwait(false),
            StringComparer.Ordinal);
        await _revocations.RevokeAsync(sessionIds.Select(RevocationKeys.OfSession).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var sessionId in sessionIds)
        {
            await _sessions.EndAsync(sessionId, now, cancellationToken).ConfigureAwait(false);
        }

        await _users.UpdatePasswordHashAsync(user.UserId, _passwords.Hash(reset.NewPassword), cancellationToken).ConfigureAwait(false);
        await _users.MarkEmailVerifiedAsync(user.UserId, cancellationToken).ConfigureAwait(false);
        await _limits.SucceededAsync(AbuseLimits.EmailKey(user.Email), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Signs in. The account's lockout is checked before any hash; an unknown or unusable
    /// address costs the same reads and the same KDF as a wrong password, and answers the
    /// same. The right password on an unverified address answers 403 <c>email_not_verified</c>.
    /// </summary>
    public async Task<TokenPair> LoginAsync(Credentials request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var email = request.Email ?? string.Empty;
        var accountKey = AbuseLimits.EmailKey(email);
        await _limits.BeforeAttemptAsync(accountKey, cancellationToken).ConfigureAwait(false);
        if (Validation.CodePoints(request.Password) > Validation.MaxPasswordChars)
        {
            await _limits.FailedAsync(accountKey, cancellationToken).ConfigureAwait(false);
            throw ApiException.Unauthorized(InvalidCredentials); // no account can hold such a password
        }

        var user = await _users.FindByEmailAsync(email, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            // Spend the KDF anyway: a fast "no" would tell which emails have accounts.
            _passwords.BurnEquivalentTime(request.Password);
            await _limits.FailedAsync(accountKey, cancellationToken).ConfigureAwait(false);
            throw ApiException.Unauthorized(InvalidCredentials);
        }

        if (!PasswordHasher.Verify(request.Password, user.PasswordHash))
        {
            await _limits.FailedAsync(accountKey, cancellationToken).ConfigureAwait(false);
            throw ApiException.Unauthorized(InvalidCredentials);
        }

        await _limits.SucceededAsync(accountKey, cancellationToken).ConfigureAwait(false);
        if (!user.EmailVerified)
        {
            throw new ApiException(403, EmailNotVerifiedCode, EmailNotVerified);
        }

        if (_passwords.NeedsRehash(user.PasswordHash))
        {
            await _users.UpdatePasswordHashAsync(user.UserId, _passwords.Hash(request.Password), cancellationToken)
                .ConfigureAwait(false);
        }

        return await StartSessionAsync(user, cancellationToken).ConfigureAwait(false);
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
        if (user is null
            || user.TenantId != record.TenantId
            || await _users.FindTenantAsync(user.TenantId, cancellationToken).ConfigureAwait(false) is null)
        {
            // A member of a deleted tenant outlives its owner: no new token for a tenant
            // that is gone (its revocation marker expires, the missing tenant does not).
            await _sessions.EndAsync(record.SessionId, now, cancellationToken).ConfigureAwait(false);
            throw ApiException.Unauthorized(UnknownUser);
        }

        var access = await _tokens.IssueAsync(user, record.SessionId, cancellationToken).ConfigureAwait(false);
        return new TokenPair(access, successor, AccessTokenTtlSeconds);
    }

    /// <summary>
    /// Ends the session of <paramref name="refreshToken"/>, which must belong to the caller,
    /// and revokes the caller's access token and session everywhere.
    /// </summary>
    public async Task LogoutAsync(AccessClaims claims, string refreshToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var record = await FindTokenAsync(refreshToken, cancellationToken).ConfigureAwait(false);
        if (record is null || record.UserId != claims.UserId)
        {
            // Someone else's token gets the same answer as an unknown one: no oracle.
            throw ApiException.Unauthorized(InvalidRefreshToken);
        }

        var now = Now();
        var ended = new SortedSet<string>(StringComparer.Ordinal) { record.SessionId };
        if (claims.SessionId.Length > 0)
        {
            ended.Add(claims.SessionId);
        }

        await _revocations.RevokeAsync(TokenAndSessions(claims, ended, now), cancellationToken).ConfigureAwait(false);
        foreach (var sessionId in ended)
        {
            await _sessions.EndAsync(sessionId, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends every session of the caller, everywhere (<c>POST /auth/logout-all</c>).</summary>
    public async Task LogoutEverywhereAsync(AccessClaims claims, CancellationToken cancellationToken)
    {
        var user = await CurrentUserAsync(claims, cancellationToken).ConfigureAwait(false);
        await EndEverySessionAsync(user, claims, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Changes the password after checking the current one, ends every session of the user
    /// everywhere, and answers a token pair in a new session (<c>POST /auth/password</c>).
    /// </summary>
    public async Task<TokenPair> ChangePasswordAsync(AccessClaims claims, PasswordChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var user = await ReauthenticatedAsync(claims, change.CurrentPassword, cancellationToken).ConfigureAwait(false);
        // Every session ends (everywhere) before the hash changes: if the store is away the
        // 503 leaves the password as it was, and a failure after it leaves sessions ended.
        await EndEverySessionAsync(user, claims, cancellationToken).ConfigureAwait(false);
        var hash = _passwords.Hash(change.NewPassword);
        await _users.UpdatePasswordHashAsync(user.UserId, hash, cancellationToken).ConfigureAwait(false);
        return await StartSessionAsync(user with { PasswordHash = hash }, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Removes the caller (after checking <paramref name="password"/>), its sessions and
    /// tokens, and its tenant when it was the only owner; revokes the user (and the tenant)
    /// everywhere and publishes <c>user.deleted</c> (and <c>tenant.deleted</c>) so the other
    /// services purge their data. Order as account.auth.delete_account: the deletion first (a
    /// failure leaves a working account, not one locked out by <c>rev:user</c>), then the
    /// revocations, then the events. The events go out even when a revocation write failed
    /// (the data is deleted: the purge must follow), and the request then answers 503.
    /// </summary>
    public async Task DeleteAccountAsync(AccessClaims claims, string? password, CancellationToken cancellationToken)
    {
        var user = await ReauthenticatedAsync(claims, password, cancellationToken).ConfigureAwait(false);
        await _sessions.PurgeUserAsync(user.UserId, cancellationToken).ConfigureAwait(false);
        var tenantGone = await _users.DeleteAsync(user, cancellationToken).ConfigureAwait(false);

        List<Revocation> revocations = [RevocationKeys.OfUser(user.UserId), RevocationKeys.OfToken(claims, Now())];
        if (tenantGone)
        {
            revocations.Add(RevocationKeys.OfTenant(user.TenantId));
        }

        ApiException? unrevoked = null;
        try
        {
            await _revocations.RevokeAsync(revocations, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException error) when (error.Status == 503)
        {
            _warn($"user {user.UserId} deleted but not revoked everywhere: the session store is unavailable");
            unrevoked = error;
        }

        var occurredAt = _clock.GetUtcNow();
        await _events.PublishAsync(AccountEvent.ForUser(user.TenantId, user.UserId, occurredAt), cancellationToken)
            .ConfigureAwait(false);
        if (tenantGone)
        {
            await _events.PublishAsync(AccountEvent.ForTenant(user.TenantId, occurredAt), cancellationToken).ConfigureAwait(false);
        }

        if (unrevoked is not null)
        {
            throw unrevoked;
        }
    }

    /// <summary>
    /// The verified, unrevoked claims of an <c>Authorization: Bearer</c> header (401 when
    /// absent, invalid or revoked; 503 for a write <paramref name="method"/> when the
    /// session store is away).
    /// </summary>
    public async Task<AccessClaims> BearerClaimsAsync(string? authorization, string method, CancellationToken cancellationToken)
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

        var result = await _tokens.CheckAsync(token, cancellationToken).ConfigureAwait(false);
        var claims = result.Claims ?? throw ApiException.Unauthorized(AccessTokens.Describe(result.Rejection));
        await _revocations.EnsureNotRevokedAsync(claims, method, cancellationToken).ConfigureAwait(false);
        return claims;
    }

    private async Task<TokenPair> StartSessionAsync(User user, CancellationToken cancellationToken)
    {
        var sessionId = Guid.NewGuid().ToString();
        var refreshToken = RefreshTokens.NewToken();
        await _sessions.StartAsync(sessionId, user, RefreshTokens.Hash(refreshToken), Now(), cancellationToken)
            .ConfigureAwait(false);
        var access = await _tokens.IssueAsync(user, sessionId, cancellationToken).ConfigureAwait(false);
        return new TokenPair(access, refreshToken, AccessTokenTtlSeconds);
    }

    /// <summary>Revokes every session of <paramref name="user"/> (and the caller's token) everywhere, then ends them in DynamoDB.</summary>
    private async Task EndEverySessionAsync(User user, AccessClaims claims, CancellationToken cancellationToken)
    {
        var now = Now();
        var sessionIds = new SortedSet<string>(
            await _sessions.SessionIdsOfUserAsync(user.UserId, cancellationToken).ConfigureAwait(false),
            StringComparer.Ordinal);
        // The caller's own session is named explicitly: the user-index GSI may lag behind.
        if (claims.SessionId.Length > 0)
        {
            sessionIds.Add(claims.SessionId);
        }

        await _revocations.RevokeAsync(TokenAndSessions(claims, sessionIds, now), cancellationToken).ConfigureAwait(false);
        foreach (var sessionId in sessionIds)
        {
            await _sessions.EndAsync(sessionId, now, cancellationToken).ConfigureAwait(false);
        }
    }

    // The caller's token (a legacy token has no session to name) and each session, once.
    private static List<Revocation> TokenAndSessions(AccessClaims claims, IEnumerable<string> sessionIds, long now)
    {
        var revocations = new List<Revocation> { RevocationKeys.OfToken(claims, now) };
        var sessions = new HashSet<string>(sessionIds, StringComparer.Ordinal);
        if (claims.SessionId.Length > 0)
        {
            sessions.Add(claims.SessionId);
        }

        revocations.AddRange(sessions.Order(StringComparer.Ordinal).Select(RevocationKeys.OfSession));
        return revocations;
    }

    /// <summary>
    /// The caller, proven by a live session AND the current password (as
    /// account.auth._reauthenticated): a stolen access token alone must not change the
    /// password or delete the account, nor may a token whose session has ended, whatever
    /// the revocation store says. A missing or wrong password answers as a failed login.
    /// </summary>
    private async Task<User> ReauthenticatedAsync(AccessClaims claims, string? password, CancellationToken cancellationToken)
    {
        var user = await CurrentUserAsync(claims, cancellationToken).ConfigureAwait(false);
        if (!await _sessions.IsActiveAsync(claims.SessionId, Now(), cancellationToken).ConfigureAwait(false))
        {
            throw ApiException.Unauthorized(SessionEnded);
        }

        var accountKey = AbuseLimits.UserKey(user.UserId);
        await _limits.BeforeAttemptAsync(accountKey, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(password)
            || Validation.CodePoints(password) > Validation.MaxPasswordChars
            || !PasswordHasher.Verify(password, user.PasswordHash))
        {
            await _limits.FailedAsync(accountKey, cancellationToken).ConfigureAwait(false);
            throw ApiException.Unauthorized(InvalidCredentials);
        }

        await _limits.SucceededAsync(accountKey, cancellationToken).ConfigureAwait(false);
        return user;
    }

    private async Task<TokenRecord?> FindTokenAsync(string refreshToken, CancellationToken cancellationToken) =>
        RefreshTokens.IsWellFormed(refreshToken)
            ? await _sessions.FindTokenAsync(RefreshTokens.Hash(refreshToken), cancellationToken).ConfigureAwait(false)
            : null;

    private async Task RevokeForReuseAsync(string sessionId, long now, CancellationToken cancellationToken)
    {
        // The token is never logged: only the session, which is what an operator acts on.
        _warn($"refresh token reuse detected; session {sessionId} revoked");
        _limits.Events.RefreshTokenReused();
        try
        {
            // The session's access tokens may be in the thief's hands too: end them everywhere.
            await _revocations.RevokeAsync([RevocationKeys.OfSession(sessionId)], cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException error) when (error.Status == 503)
        {
            _warn($"session {sessionId} ended but not revoked everywhere: the session store is unavailable");
        }

        await _sessions.EndAsync(sessionId, now, cancellationToken).ConfigureAwait(false);
    }

    private long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();

    // Links go back the way the request came (as account.mailer): the function can name
    // neither its own API (a circular dependency) nor the stack's DomainName (which
    // `invoke migrate` sets in an import that may change nothing else). PUBLIC_BASE_URL,
    // when set, overrides it (a front API Gateway cannot see).
    private string PublicBaseUrl(string linkBase)
    {
        var baseUrl = _publicBaseUrl.Length > 0 ? _publicBaseUrl : linkBase;
        if (!baseUrl.StartsWith("https://", StringComparison.Ordinal) && !baseUrl.StartsWith("http://", StringComparison.Ordinal))
        {
            _warn("emailed links would not work: PUBLIC_BASE_URL is not an http(s) URL and the request names no API host");
            throw ApiException.ServiceUnavailable(EmailUnavailableCode, "mail cannot be sent right now; try again shortly");
        }

        return baseUrl.TrimEnd('/');
    }

    private static ApiException InvalidTokenError() => new(400, InvalidTokenCode, InvalidToken);

    private static EmailTokenItem TokenItem(EmailTokenKind kind, string token, string ownerId, long now) =>
        new(kind, EmailTokens.Hash(token), ownerId, now, now + (kind == EmailTokenKind.Verify ? VerifyTokenSeconds : ResetTokenSeconds));

    private async Task SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _mailer.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (MailUnavailableException error)
        {
            _warn($"mail not sent: {error.Message}");
            throw ApiException.ServiceUnavailable(EmailUnavailableCode, "mail cannot be sent right now; try again shortly");
        }
    }
}
