namespace PurposePath.Account.Auth;

/// <summary>
/// Emailed single-use tokens (verification, password reset): the refresh token's shape (32
/// random bytes as base64url without padding), stored only as the lowercase hex SHA-256 of
/// their ASCII text, so the users table never holds a usable link (FORMATS.md, "Email-link
/// tokens and mail").
/// </summary>
public static class EmailTokens
{
    public static string NewToken() => RefreshTokens.NewToken();

    public static string Hash(string token) => RefreshTokens.Hash(token);

    /// <summary>A cheap shape check, so a junk token costs no database call.</summary>
    public static bool IsWellFormed(string? token) => RefreshTokens.IsWellFormed(token);
}
