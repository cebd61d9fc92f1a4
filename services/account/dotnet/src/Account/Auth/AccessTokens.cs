using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PurposePath.Account.Http;

namespace PurposePath.Account.Auth;

/// <summary>The outcome of checking an access token: claims, or the check that failed.</summary>
public readonly record struct TokenVerification(AccessClaims? Claims, TokenRejection Rejection);

/// <summary>
/// Access tokens, interchangeable with ppcommon.jwt: the coaching and traction services
/// verify what this service issues. New tokens are ES256, signed by the account service's
/// KMS key (<see cref="Es256SigningInput"/> + <see cref="Assemble"/>); HS256 tokens signed
/// with the legacy JWT secret verify only while the migration window is open. The algorithm
/// is pinned per key type (the token's <c>alg</c> only selects which pinned check runs),
/// issuer, audience, type, lifetime, issue time and expiry are checked with overflow-checked
/// arithmetic, and failures never echo the token.
/// </summary>
public static class AccessTokens
{
    public const string Algorithm = "HS256";
    public const string Es256 = "ES256";
    public const string Issuer = "purposepath";
    public const string Audience = "purposepath-api";
    public const string TokenType = "access";
    public const int DefaultTtlSeconds = 900;
    public const int MaxTtlSeconds = 3600;

    /// <summary>Tokens come from another function on another host: tolerate skew on "issued at", never on expiry.</summary>
    public const int ClockSkewSeconds = 60;

    // Claims PyJWT is told to require (ppcommon.jwt): absent or null means "missing".
    private static readonly string[] RequiredClaims = ["exp", "iat", "iss", "aud", "sub"];

    // Far above any token this platform issues; refuses megabyte headers before any work.
    private const int MaxTokenLength = 8192;

    /// <summary>
    /// A legacy HS256 token (the contract's <c>jwt</c> vectors; the service itself issues
    /// ES256 only). Claims are written in ppcommon.jwt's order, so equal inputs give the
    /// same token in both runtimes. <paramref name="tokenId"/> exists for the vectors;
    /// callers let it default to a fresh random id.
    /// </summary>
    public static string Issue(
        byte[] secret,
        string userId,
        string tenantId,
        string role,
        long now,
        int ttlSeconds = DefaultTtlSeconds,
        string? tokenId = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var header = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);
        var signingInput = header + "." + Base64Url.EncodeToString(Payload(userId, tenantId, role, null, now, ttlSeconds, tokenId));
        var signature = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        return Assemble(signingInput, signature);
    }

    /// <summary>
    /// The <c>header.payload</c> of an ES256 token signed by the key <paramref name="keyId"/>:
    /// header <c>{"alg":"ES256","typ":"JWT","kid":...}</c>, claims in the contract's order
    /// <c>sub tid role sid iss aud iat exp jti typ</c>. The caller signs its ASCII bytes
    /// (KMS, ECDSA_SHA_256) and passes the raw r||s to <see cref="Assemble"/>.
    /// </summary>
    public static string Es256SigningInput(
        string keyId,
        string userId,
        string tenantId,
        string role,
        string sessionId,
        long now,
        int ttlSeconds = DefaultTtlSeconds,
        string? tokenId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyId);
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        var header = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(header))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", Es256);
            writer.WriteString("typ", "JWT");
            writer.WriteString("kid", keyId);
            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(header.WrittenSpan) + "."
            + Base64Url.EncodeToString(Payload(userId, tenantId, role, sessionId, now, ttlSeconds, tokenId));
    }

    /// <summary>The compact token: the signing input, a dot, the signature in base64url.</summary>
    public static string Assemble(string signingInput, ReadOnlySpan<byte> signature) =>
        signingInput + "." + Base64Url.EncodeToString(signature);

    private static byte[] Payload(
        string userId, string tenantId, string role, string? sessionId, long now, int ttlSeconds, string? tokenId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttlSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttlSeconds, MaxTtlSeconds);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(role);
        var expiresAt = checked(now + ttlSeconds); // an issuer clock near long.MaxValue is a bug, not a token
        var payload = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            writer.WriteString("sub", userId);
            writer.WriteString("tid", tenantId);
            writer.WriteString("role", role);
            if (sessionId is not null)
            {
                writer.WriteString("sid", sessionId);
            }

            writer.WriteString("iss", Issuer);
            writer.WriteString("aud", Audience);
            writer.WriteNumber("iat", now);
            writer.WriteNumber("exp", expiresAt);
            writer.WriteString("jti", tokenId ?? Guid.NewGuid().ToString("N"));
            writer.WriteString("typ", TokenType);
            writer.WriteEndObject();
        }

        return payload.WrittenSpan.ToArray();
    }

    /// <summary>The verified claims of a legacy HS256 token, or 401 naming the failed check.</summary>
    public static AccessClaims Verify(byte[] secret, string? token, long now)
    {
        var result = Check(secret, token, now);
        return result.Claims ?? throw ApiException.Unauthorized(Describe(result.Rejection));
    }

    /// <summary>
    /// Checks a token as HS256 with <paramref name="secret"/> (the contract's <c>jwt</c>
    /// vectors, and the legacy window): every check in ppcommon.jwt's order, the first that
    /// fails is reported.
    /// </summary>
    public static TokenVerification Check(byte[] secret, string? token, long now)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!TryDecode(token, out var decoded))
        {
            // Refresh tokens are opaque strings: refused before the secret is touched.
            return Reject(TokenRejection.Malformed);
        }

        var algorithm = StringProperty(decoded.Header, "alg");
        if (string.Equals(algorithm, "none", StringComparison.OrdinalIgnoreCase))
        {
            return Reject(TokenRejection.AlgorithmNone);
        }

        if (!string.Equals(algorithm, Algorithm, StringComparison.Ordinal))
        {
            return Reject(TokenRejection.WrongAlgorithm);
        }

        return CheckHs256(decoded, secret, now);
    }

    /// <summary>
    /// Checks a token the way every service does now: ES256 with the public key of its
    /// <c>kid</c> (<paramref name="es256Key"/> answers null for a kid outside the accepted
    /// set), or HS256 with <paramref name="legacySecret"/> only while the migration window is
    /// open (null once it has closed). Any other <c>alg</c> is refused.
    /// </summary>
    public static TokenVerification Check(string? token, long now, Func<string, ECDsa?> es256Key, byte[]? legacySecret)
    {
        ArgumentNullException.ThrowIfNull(es256Key);
        if (!TryDecode(token, out var decoded))
        {
            return Reject(TokenRejection.Malformed);
        }

        var algorithm = StringProperty(decoded.Header, "alg");
        if (string.Equals(algorithm, "none", StringComparison.OrdinalIgnoreCase))
        {
            return Reject(TokenRejection.AlgorithmNone);
        }

        if (string.Equals(algorithm, Algorithm, StringComparison.Ordinal))
        {
            // HS256 is a key type of its own: only the legacy secret, only inside the window.
            return legacySecret is null ? Reject(TokenRejection.WrongAlgorithm) : CheckHs256(decoded, legacySecret, now);
        }

        if (!string.Equals(algorithm, Es256, StringComparison.Ordinal))
        {
            return Reject(TokenRejection.WrongAlgorithm);
        }

        var keyId = StringProperty(decoded.Header, "kid");
        var key = string.IsNullOrEmpty(keyId) ? null : es256Key(keyId);
        if (key is null)
        {
            return Reject(TokenRejection.UnknownKey);
        }

        if (!Es256Signatures.Verify(key, Encoding.ASCII.GetBytes(decoded.SigningInput), decoded.Signature))
        {
            return Reject(TokenRejection.BadSignature);
        }

        return CheckClaims(decoded.Header, decoded.Payload, now, requireSession: true);
    }

    /// <summary>The <c>kid</c> of a token's header when it is an ES256 token, without checking anything else.</summary>
    public static string? Es256KeyId(string? token) =>
        TryDecode(token, out var decoded) && StringProperty(decoded.Header, "alg") == Es256
            ? StringProperty(decoded.Header, "kid")
            : null;

    private static TokenVerification CheckHs256(DecodedToken decoded, byte[] secret, long now)
    {
        var expected = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(decoded.SigningInput));
        if (!CryptographicOperations.FixedTimeEquals(expected, decoded.Signature))
        {
            return Reject(TokenRejection.BadSignature);
        }

        return CheckClaims(decoded.Header, decoded.Payload, now, requireSession: false);
    }

    private static TokenVerification CheckClaims(JsonElement header, JsonElement payload, long now, bool requireSession)
    {
        foreach (var required in RequiredClaims)
        {
            if (!payload.TryGetProperty(required, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return Reject(TokenRejection.MissingClaim);
            }
        }

        if (StringProperty(payload, "iss") != Issuer)
        {
            return Reject(TokenRejection.WrongIssuer);
        }

        if (!HasAudience(payload.GetProperty("aud")))
        {
            return Reject(TokenRejection.WrongAudience);
        }

        if (StringProperty(header, "typ") != "JWT")
        {
            return Reject(TokenRejection.WrongHeaderType);
        }

        if (header.TryGetProperty("crit", out _))
        {
            // RFC 7515 §4.1.11: extensions the verifier does not understand must be refused.
            return Reject(TokenRejection.UnsupportedCritical);
        }

        if (StringProperty(payload, "typ") != TokenType)
        {
            return Reject(TokenRejection.WrongType);
        }

        // Times are JSON integers that fit a long: PyJWT's side refuses 1.5, true and "1"
        // alike, and a value past long's range is refused here rather than clamped.
        if (!TryGetTime(payload, "iat", out var issuedAt) || !TryGetTime(payload, "exp", out var expiresAt))
        {
            return Reject(TokenRejection.Malformed);
        }

        var timing = CheckTimes(issuedAt, expiresAt, now);
        if (timing != TokenRejection.None)
        {
            return Reject(timing);
        }

        var userId = StringProperty(payload, "sub");
        var tenantId = StringProperty(payload, "tid");
        var role = StringProperty(payload, "role");
        var tokenId = StringProperty(payload, "jti");
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(tenantId)
            || string.IsNullOrEmpty(role) || string.IsNullOrEmpty(tokenId))
        {
            return Reject(TokenRejection.MissingClaim);
        }

        var sessionId = StringProperty(payload, "sid") ?? string.Empty;
        if (requireSession && sessionId.Length == 0)
        {
            return Reject(TokenRejection.MissingSession);
        }

        return new TokenVerification(
            new AccessClaims(userId, tenantId, role, expiresAt, tokenId, sessionId, issuedAt),
            TokenRejection.None);
    }

    /// <summary>
    /// The lifetime and time-window rules, in ppcommon.jwt's order, with every difference
    /// computed checked: <c>exp - iat</c> in 1..<see cref="MaxTtlSeconds"/>, not expired,
    /// <c>iat</c> at most <see cref="ClockSkewSeconds"/> ahead of now and at most
    /// <see cref="MaxTtlSeconds"/> behind it. A difference that does not fit a long (say
    /// <c>iat = long.MinValue</c>, <c>exp = long.MaxValue</c>) is as far out of range as a
    /// value can be, so it is refused by the rule it breaks, never wrapped into range.
    /// </summary>
    public static TokenRejection CheckTimes(long issuedAt, long expiresAt, long now)
    {
        if (!TrySubtract(expiresAt, issuedAt, out var lifetime))
        {
            // Overflow means |exp - iat| > long.MaxValue: far too long, or negative.
            return expiresAt > issuedAt ? TokenRejection.LifetimeTooLong : TokenRejection.LifetimeNotPositive;
        }

        if (lifetime > MaxTtlSeconds)
        {
            return TokenRejection.LifetimeTooLong;
        }

        if (lifetime < 1)
        {
            return TokenRejection.LifetimeNotPositive;
        }

        if (now >= expiresAt)
        {
            return TokenRejection.Expired;
        }

        if (!TrySubtract(issuedAt, now, out var ahead) || ahead > ClockSkewSeconds)
        {
            // An overflow here can only mean iat is far ahead (exp > now and exp - iat >= 1).
            return TokenRejection.IssuedInFuture;
        }

        if (!TrySubtract(now, issuedAt, out var age) || age > MaxTtlSeconds)
        {
            return TokenRejection.IssuedTooLongAgo;
        }

        return TokenRejection.None;
    }

    private static bool TrySubtract(long left, long right, out long difference)
    {
        try
        {
            difference = checked(left - right);
            return true;
        }
        catch (OverflowException)
        {
            difference = 0;
            return false;
        }
    }

    /// <summary>The 401 message for a rejection: which check failed, never the token.</summary>
    public static string Describe(TokenRejection rejection) => rejection switch
    {
        TokenRejection.Malformed => "access token is malformed",
        TokenRejection.AlgorithmNone or TokenRejection.WrongAlgorithm => $"access token algorithm must be {Es256}",
        TokenRejection.BadSignature => "access token signature is invalid",
        TokenRejection.MissingClaim => "access token lacks a required claim",
        TokenRejection.WrongIssuer => "access token issuer is wrong",
        TokenRejection.WrongAudience => "access token audience is wrong",
        TokenRejection.WrongHeaderType => "access token header typ must be JWT",
        TokenRejection.WrongType => "token is not an access token",
        TokenRejection.LifetimeTooLong => $"access token lifetime exceeds {MaxTtlSeconds} s",
        TokenRejection.LifetimeNotPositive => "access token expires before it is issued",
        TokenRejection.IssuedTooLongAgo => $"access token was issued more than {MaxTtlSeconds} s ago",
        TokenRejection.UnknownKey => "access token key id is not an accepted signing key",
        TokenRejection.MissingSession => "access token lacks the 'sid' claim",
        TokenRejection.UnsupportedCritical => "access token header has critical extensions",
        TokenRejection.Expired => "access token has expired",
        TokenRejection.IssuedInFuture => "access token is issued in the future",
        _ => "a valid Bearer access token is required",
    };

    private static TokenVerification Reject(TokenRejection rejection) => new(null, rejection);

    // Exact string only, as ppcommon.jwt: an audience list is not this API's form.
    private static bool HasAudience(JsonElement audience) =>
        audience.ValueKind == JsonValueKind.String && audience.ValueEquals(Audience);

    // A time claim: a JSON integer that fits a long (false for 1.5, 1e3, "1", true, 2^63).
    private static bool TryGetTime(JsonElement payload, string name, out long value)
    {
        value = 0;
        return payload.TryGetProperty(name, out var element)
            && element.ValueKind == JsonValueKind.Number
            && element.TryGetInt64(out value);
    }

    private static string? StringProperty(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null; // invalid UTF-16 escapes: no claim we could compare
        }
    }

    /// <summary>Three base64url segments, the first two JSON objects; nothing checked yet.</summary>
    private readonly record struct DecodedToken(JsonElement Header, JsonElement Payload, string SigningInput, byte[] Signature);

    private static bool TryDecode(string? token, out DecodedToken decoded)
    {
        decoded = default;
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || token.AsSpan().Count('.') != 2)
        {
            return false;
        }

        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var secondDot = token.IndexOf('.', firstDot + 1);
        if (!TryDecodeSegment(token[..firstDot], out var headerBytes)
            || !TryDecodeSegment(token[(firstDot + 1)..secondDot], out var payloadBytes)
            || !TryDecodeSegment(token[(secondDot + 1)..], out var signature)
            || !TryParseObject(headerBytes, out var header)
            || !TryParseObject(payloadBytes, out var payload))
        {
            return false;
        }

        decoded = new DecodedToken(header, payload, token[..secondDot], signature);
        return true;
    }

    // base64url without padding or whitespace: the only form a JWT segment takes.
    private static bool TryDecodeSegment(string segment, out byte[] bytes)
    {
        bytes = [];
        foreach (var c in segment)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        if (segment.Length % 4 == 1)
        {
            return false; // no byte count encodes to this length
        }

        try
        {
            bytes = Base64Url.DecodeFromChars(segment);
        }
        catch (FormatException)
        {
            return false;
        }

        // One token, one spelling: unused trailing bits must be zero (RFC 4648 §3.5), as
        // ppcommon.jwt requires, so both runtimes refuse the same strings.
        return string.Equals(Base64Url.EncodeToString(bytes), segment, StringComparison.Ordinal);
    }

    private static bool TryParseObject(byte[] utf8Json, out JsonElement element)
    {
        element = default;
        try
        {
            using var document = JsonDocument.Parse(new ReadOnlyMemory<byte>(utf8Json));
            if (document.RootElement.ValueKind != JsonValueKind.Object || HasDuplicateNames(document.RootElement))
            {
                return false;
            }

            element = document.RootElement.Clone();
            return true;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    // A parser that keeps the first "tid" and one that keeps the last must not disagree
    // about a tenant: a repeated name at any depth makes the token malformed, as in ppcommon.jwt.
    private static bool HasDuplicateNames(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!names.Add(property.Name) || HasDuplicateNames(property.Value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (HasDuplicateNames(item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }
}
