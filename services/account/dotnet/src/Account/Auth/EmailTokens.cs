using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace PurposePath.Account.Auth;

/// <summary>
/// Emailed single-use tokens (verification, password reset): 32 random bytes as base64url
/// without padding, stored only as the lowercase hex SHA-256 of their text, so the users
/// table never holds a usable link (contract/FORMATS.md).
/// </summary>
public static class EmailTokens
{
    public const int TokenBytes = 32;

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    public static string Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }
}
