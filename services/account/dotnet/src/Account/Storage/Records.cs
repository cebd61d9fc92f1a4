namespace PurposePath.Account.Storage;

/// <summary>
/// A user item of the users table (contract/FORMATS.md). <see cref="EmailVerified"/> is
/// true for an item without the attribute: those users registered before verification existed.
/// </summary>
public sealed record User(string UserId, string Email, string Name, string TenantId, string Role, string PasswordHash, bool EmailVerified = true);

/// <summary>What an emailed single-use token is for; the item key prefix and lifetime differ.</summary>
public enum EmailTokenKind
{
    /// <summary>Proves the address: <c>VERIFY#&lt;sha256&gt;</c>, 24 hours.</summary>
    Verify,

    /// <summary>Sets a new password: <c>RESET#&lt;sha256&gt;</c>, 1 hour.</summary>
    Reset,
}

/// <summary>An emailed token's item in the users table: only the token's SHA-256 hex is stored.</summary>
public sealed record EmailTokenItem(EmailTokenKind Kind, string TokenHash, string OwnerId, long CreatedAt, long ExpiresAt);

/// <summary>A tenant item of the tenants table.</summary>
public sealed record Tenant(string TenantId, string Name);

/// <summary>A refresh token item of the tokens table, keyed by the token's SHA-256 hex.</summary>
public sealed record TokenRecord(string TokenHash, string SessionId, string UserId, string TenantId, string Status, long ExpiresAt);

/// <summary>Statuses of session and token items, shared with the Python runtime.</summary>
public static class Status
{
    public const string Active = "active";
    public const string Used = "used";
    public const string Revoked = "revoked";
}

/// <summary>How a refresh-token rotation ended.</summary>
public enum Rotation
{
    /// <summary>The token was spent and its successor stored.</summary>
    Rotated,

    /// <summary>Someone spent the token between our read and our write: two holders of one token.</summary>
    AlreadySpent,

    /// <summary>The session is no longer live (revoked or expired); nothing changed.</summary>
    Refused,
}
