using PurposePath.Account.Auth;

namespace PurposePath.Account.Sessions;

/// <summary>The session store (Redis) could not be reached or answered nonsense. Never carries a credential.</summary>
public sealed class SessionStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
}

/// <summary>One marker to write: <paramref name="Key"/> = "1" for <paramref name="Seconds"/> seconds.</summary>
public readonly record struct Revocation(string Key, long Seconds);

/// <summary>
/// The revocation markers every service reads, keyed as the Python runtime and the
/// verifiers in ppcommon key them: a token is revoked when any of
/// <c>rev:jti:&lt;jti&gt; rev:sid:&lt;sid&gt; rev:user:&lt;sub&gt; rev:tenant:&lt;tid&gt;</c> exists.
/// Markers outlive every token they can concern: a jti marker lives the token's remaining
/// life, the others <see cref="MarkerSeconds"/> (the longest lifetime plus the iat skew).
/// </summary>
public static class RevocationKeys
{
    public const long MarkerSeconds = AccessTokens.MaxTtlSeconds + AccessTokens.ClockSkewSeconds;

    public static string Token(string tokenId) => "rev:jti:" + tokenId;

    public static string Session(string sessionId) => "rev:sid:" + sessionId;

    public static string User(string userId) => "rev:user:" + userId;

    public static string Tenant(string tenantId) => "rev:tenant:" + tenantId;

    /// <summary>The keys one MGET reads for <paramref name="claims"/> (no sid key for a legacy token without one).</summary>
    public static IReadOnlyList<string> Of(AccessClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return claims.SessionId.Length == 0
            ? [Token(claims.TokenId), User(claims.UserId), Tenant(claims.TenantId)]
            : [Token(claims.TokenId), Session(claims.SessionId), User(claims.UserId), Tenant(claims.TenantId)];
    }

    /// <summary>The marker that ends this one token: it lives as long as the token could (at least a second).</summary>
    public static Revocation OfToken(AccessClaims claims, long now)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var remaining = claims.ExpiresAt > now ? claims.ExpiresAt - now : 1;
        return new Revocation(Token(claims.TokenId), Math.Max(1, remaining));
    }

    public static Revocation OfSession(string sessionId) => new(Session(sessionId), MarkerSeconds);

    public static Revocation OfUser(string userId) => new(User(userId), MarkerSeconds);

    public static Revocation OfTenant(string tenantId) => new(Tenant(tenantId), MarkerSeconds);
}

/// <summary>Reads and writes revocation markers. Both throw <see cref="SessionStoreUnavailableException"/> when the store is away.</summary>
public interface IRevocationStore
{
    /// <summary>True when any of <paramref name="keys"/> exists (one MGET round trip).</summary>
    Task<bool> AnyRevokedAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);

    /// <summary>Writes every marker (one pipelined round trip of SET key 1 EX seconds).</summary>
    Task RevokeAsync(IReadOnlyList<Revocation> revocations, CancellationToken cancellationToken);
}
