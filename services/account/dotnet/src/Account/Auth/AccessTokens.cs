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
/// HS256 access tokens, interchangeable with ppcommon.jwt: the coaching and traction
/// services verify what this service issues. The algorithm is pinned (the token's
/// <c>alg</c> only selects a rejection), issuer, audience, type, lifetime and expiry are
/// checked, and failures never echo the token.
/// </summary>
public static class AccessTokens
{
    public const string Algorithm = "HS256";
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
    /// A signed token. Claims are written in ppcommon.jwt's order, so equal inputs give the
    /// same token in both runtimes. <paramref name="tokenId"/> exists for the contract
    /// vectors; services let it default to a fresh random id.
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
        ArgumentOutOfRangeException.ThrowIfLessThan(ttlSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ttlSeconds, MaxTtlSeconds);
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(role);

        var payload = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            writer.WriteString("sub", userId);
            writer.WriteString("tid", tenantId);
            writer.WriteString("role", role);
            writer.WriteString("iss", Issuer);
            writer.WriteString("aud", Audience);
            writer.WriteNumber("iat", now);
            writer.WriteNumber("exp", now + ttlSeconds);
            writer.WriteString("jti", tokenId ?? Guid.NewGuid().ToString("N"));
            writer.WriteString("typ", TokenType);
            writer.WriteEndObject();
        }

        var header = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);
        var signingInput = header + "." + Base64Url.EncodeToString(payload.WrittenSpan);
        var signature = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The verified claims, or 401 naming the failed check.</summary>
    public static AccessClaims Verify(byte[] secret, string? token, long now)
    {
        var result = Check(secret, token, now);
        return result.Claims ?? throw ApiException.Unauthorized(Describe(result.Rejection));
    }

    /// <summary>Runs every check in ppcommon.jwt's order and reports the first that fails.</summary>
    public static TokenVerification Check(byte[] secret, string? token, long now)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || token.AsSpan().Count('.') != 2)
        {
            // Refresh tokens are opaque strings: refused before the secret is touched.
            return Reject(TokenRejection.Malformed);
        }

        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var secondDot = token.IndexOf('.', firstDot + 1);
        if (!TryDecodeSegment(token[..firstDot], out var headerBytes)
            || !TryDecodeSegment(token[(firstDot + 1)..secondDot], out var payloadBytes)
            || !TryDecodeSegment(token[(secondDot + 1)..], out var signature)
            || !TryParseObject(headerBytes, out var header)
            || !TryParseObject(payloadBytes, out var payload))
        {
            return Reject(TokenRejection.Malformed);
        }

        var algorithm = StringProperty(header, "alg");
        if (string.Equals(algorithm, "none", StringComparison.OrdinalIgnoreCase))
        {
            return Reject(TokenRejection.AlgorithmNone);
        }

        if (!string.Equals(algorithm, Algorithm, StringComparison.Ordinal))
        {
            return Reject(TokenRejection.WrongAlgorithm);
        }

        var expected = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(token[..secondDot]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            return Reject(TokenRejection.BadSignature);
        }

        return CheckClaims(header, payload, now);
    }

    private static TokenVerification CheckClaims(JsonElement header, JsonElement payload, long now)
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

        if (StringProperty(payload, "typ") != TokenType)
        {
            return Reject(TokenRejection.WrongType);
        }

        if (!payload.GetProperty("iat").TryGetInt64(out var issuedAt)
            || !payload.GetProperty("exp").TryGetInt64(out var expiresAt))
        {
            // Times are JSON integers: PyJWT's side refuses 1.5, true and "1" alike.
            return Reject(TokenRejection.Malformed);
        }

        if (expiresAt - issuedAt > MaxTtlSeconds)
        {
            return Reject(TokenRejection.LifetimeTooLong);
        }

        if (now >= expiresAt)
        {
            return Reject(TokenRejection.Expired);
        }

        if (issuedAt > now + ClockSkewSeconds)
        {
            return Reject(TokenRejection.IssuedInFuture);
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

        return new TokenVerification(new AccessClaims(userId, tenantId, role, expiresAt, tokenId), TokenRejection.None);
    }

    /// <summary>The 401 message for a rejection: which check failed, never the token.</summary>
    public static string Describe(TokenRejection rejection) => rejection switch
    {
        TokenRejection.Malformed => "access token is malformed",
        TokenRejection.AlgorithmNone or TokenRejection.WrongAlgorithm => $"access token algorithm must be {Algorithm}",
        TokenRejection.BadSignature => "access token signature is invalid",
        TokenRejection.MissingClaim => "access token lacks a required claim",
        TokenRejection.WrongIssuer => "access token issuer is wrong",
        TokenRejection.WrongAudience => "access token audience is wrong",
        TokenRejection.WrongHeaderType => "access token header typ must be JWT",
        TokenRejection.WrongType => "token is not an access token",
        TokenRejection.LifetimeTooLong => $"access token lifetime exceeds {MaxTtlSeconds} s",
        TokenRejection.Expired => "access token has expired",
        TokenRejection.IssuedInFuture => "access token is issued in the future",
        _ => "a valid Bearer access token is required",
    };

    private static TokenVerification Reject(TokenRejection rejection) => new(null, rejection);

    private static bool HasAudience(JsonElement audience) => audience.ValueKind switch
    {
        JsonValueKind.String => audience.ValueEquals(Audience),
        // A list names every audience the token is for: ours must be one of them, and all must be strings.
        JsonValueKind.Array => audience.EnumerateArray().All(entry => entry.ValueKind == JsonValueKind.String)
            && audience.EnumerateArray().Any(entry => entry.ValueEquals(Audience)),
        _ => false,
    };

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
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool TryParseObject(byte[] utf8Json, out JsonElement element)
    {
        element = default;
        try
        {
            using var document = JsonDocument.Parse(new ReadOnlyMemory<byte>(utf8Json));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            element = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
