using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PurposePath.Account.Auth;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes in the cross-runtime format of contract/FORMATS.md:
/// <c>pbkdf2_sha256$&lt;iterations&gt;$&lt;salt base64&gt;$&lt;key base64&gt;</c> (standard base64
/// with padding, 16-byte salt, 32-byte key, password UTF-8 after NFC). The string carries
/// its own iteration count, so the cost can rise without breaking stored hashes.
/// </summary>
public sealed class PasswordHasher
{
    public const string Scheme = "pbkdf2_sha256";

    /// <summary>OWASP's recommendation for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    public const int SaltBytes = 16;
    public const int KeyBytes = 32;

    /// <summary>A corrupted or hostile stored string must not pin a CPU for minutes.</summary>
    public const int MaxIterations = 10_000_000;

    private readonly Lazy<string> _dummyHash;

    /// <param name="iterations">The cost of new hashes. Tests lower it; deployed code never passes it.</param>
    public PasswordHasher(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, MaxIterations);
        Iterations = iterations;
        _dummyHash = new Lazy<string>(() => Hash("not-a-real-password"));
    }

    public int Iterations { get; }

    /// <summary>The hash string of <paramref name="password"/> with a fresh random salt.</summary>
    public string Hash(string password) => Hash(password, RandomNumberGenerator.GetBytes(SaltBytes), Iterations);

    /// <summary>The hash string for a given salt and cost (for the contract vectors).</summary>
    public static string Hash(string password, byte[] salt, int iterations)
    {
        ArgumentNullException.ThrowIfNull(salt);
        var key = Derive(password, salt, iterations);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(key)}");
    }

    /// <summary>True when <paramref name="password"/> matches; false for a mismatch or a malformed string.</summary>
    public static bool Verify(string password, string encoded)
    {
        if (!TryParse(encoded, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations), expected);
    }

    /// <summary>True when <paramref name="encoded"/> is malformed or cheaper than the current cost.</summary>
    public bool NeedsRehash(string encoded) =>
        !TryParse(encoded, out var iterations, out _, out _) || iterations < Iterations;

    /// <summary>Spends one KDF run, so a login for an unknown email costs what a wrong password does.</summary>
    public void BurnEquivalentTime(string password) => Verify(password, _dummyHash.Value);

    private static byte[] Derive(string password, byte[] salt, int iterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        var secret = Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormC));
        return Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, HashAlgorithmName.SHA256, KeyBytes);
    }

    private static bool TryParse(string? encoded, out int iterations, out byte[] salt, out byte[] key)
    {
        iterations = 0;
        salt = [];
        key = [];
        var parts = (encoded ?? string.Empty).Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !IsIterationCount(parts[1]))
        {
            return false;
        }

        iterations = int.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture);
        if (iterations > MaxIterations
            || !TryDecodeStrictBase64(parts[2], out salt)
            || !TryDecodeStrictBase64(parts[3], out key))
        {
            return false;
        }

        return salt.Length > 0 && key.Length == KeyBytes;
    }

    // [1-9][0-9]{0,7}: ASCII digits, no sign, no leading zero, at most 8 digits.
    private static bool IsIterationCount(string text) =>
        text.Length is >= 1 and <= 8
        && text[0] is >= '1' and <= '9'
        && text.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    // Base64 strictly: no whitespace, which Convert.FromBase64String would otherwise skip.
    private static bool TryDecodeStrictBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (!Base64.IsValid(text, out var length) || text.AsSpan().ContainsAny(" \t\r\n"))
        {
            return false;
        }

        bytes = Convert.FromBase64String(text);
        return bytes.Length == length;
    }
}
