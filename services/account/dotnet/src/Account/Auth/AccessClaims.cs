namespace PurposePath.Account.Auth;

/// <summary>
/// The verified claims of an access token (ppcommon.jwt.Claims in Python).
/// <paramref name="SessionId"/> is the refresh-token session the token was issued in
/// (<c>sid</c>): every ES256 token carries it, legacy HS256 tokens may not ("" then).
/// </summary>
public sealed record AccessClaims(
    string UserId,
    string TenantId,
    string Role,
    long ExpiresAt,
    string TokenId,
    string SessionId = "",
    long IssuedAt = 0);

/// <summary>Why a token was refused; one value per check, so tests can name the check that failed.</summary>
public enum TokenRejection
{
    None,
    Malformed,
    AlgorithmNone,
    WrongAlgorithm,
    BadSignature,
    MissingClaim,
    WrongIssuer,
    WrongAudience,
    WrongHeaderType,
    WrongType,
    LifetimeTooLong,

    /// <summary><c>exp</c> is not after <c>iat</c>: no token lives zero or fewer seconds.</summary>
    LifetimeNotPositive,
    Expired,
    IssuedInFuture,

    /// <summary><c>iat</c> is further back than the longest lifetime a token may have.</summary>
    IssuedTooLongAgo,

    /// <summary>An ES256 token whose <c>kid</c> is not in the published key set's <c>accepted</c> list.</summary>
    UnknownKey,

    /// <summary>An ES256 token without the <c>sid</c> claim (its session could not be revoked).</summary>
    MissingSession,

    /// <summary>A header with <c>crit</c>: extensions this verifier does not understand (RFC 7515 §4.1.11).</summary>
    UnsupportedCritical,
}
