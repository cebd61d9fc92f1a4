namespace PurposePath.Account.Auth;

/// <summary>The verified claims of an access token (ppcommon.jwt.Claims in Python).</summary>
public sealed record AccessClaims(string UserId, string TenantId, string Role, long ExpiresAt, string TokenId);

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
    Expired,
    IssuedInFuture,
}
