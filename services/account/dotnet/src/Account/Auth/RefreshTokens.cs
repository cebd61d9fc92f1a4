using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace PurposePath.Account.Auth;

/// <summary>
/// Refresh tokens: 32 random bytes as base64url without padding (43 characters), opaque to
/// clients and stored only as the lowercase hex SHA-256 of their ASCII text, so a leaked
/// tokens table yields no usable token (contract/FORMATS.md).
/// </summary>
public static class RefreshTokens
{
    public const int TokenBytes = 32;
    public const int TokenLength = 43;
    public const long LifetimeSeconds = 30L * 24 * 3600;

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    /// <summary>The <c>tokenHash</c> key under which <paramref name="token"/> is stored.</summary>
    public static string Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));
    }

    /// <summary>A cheap shape check, so garbage never reaches DynamoDB.</summary>
    public static bool IsWellFormed(string? token)
    {
        if (token is null || token.Length != TokenLength)
        {
            return false;
        }

        foreach (var c in token)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
