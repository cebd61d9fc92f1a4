using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PurposePath.Account.Auth;

namespace PurposePath.Account.Tests;

/// <summary>
/// The lifetime and issue-time rules with extreme values: <c>exp - iat</c> used to be
/// computed unchecked, so <c>iat = long.MinValue</c> with a large <c>exp</c> wrapped to a
/// small lifetime and a token that never expires verified. Every case here must be refused,
/// through both key types.
/// </summary>
public sealed class TokenLifetimeTests
{
    private const long Now = 1_767_225_600;
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes(new string('s', 64));

    // iat, exp (as JSON number text, so values past long's range can be written too), and the rejection.
    public static TheoryData<string, string, TokenRejection> Extremes => new()
    {
        { N(long.MinValue), N(long.MaxValue), TokenRejection.LifetimeTooLong },
        { N(long.MaxValue), N(long.MinValue), TokenRejection.LifetimeNotPositive },
        { N(long.MinValue), N(Now + 60), TokenRejection.LifetimeTooLong },
        { N(Now), N(long.MaxValue), TokenRejection.LifetimeTooLong },
        { N(long.MinValue + 1), N(long.MinValue + 900), TokenRejection.Expired },
        { N(long.MaxValue - 900), N(long.MaxValue), TokenRejection.IssuedInFuture },
        { N(long.MaxValue - 1), N(long.MaxValue), TokenRejection.IssuedInFuture },
        { N(Now - 3601), N(Now + 1), TokenRejection.LifetimeTooLong },
        { N(Now), N(Now), TokenRejection.LifetimeNotPositive },
        { N(Now), N(Now - 1), TokenRejection.LifetimeNotPositive },
        { N(Now + 61), N(Now + 900), TokenRejection.IssuedInFuture },
        { N(Now), N(Now + 3601), TokenRejection.LifetimeTooLong },
        // Past what a long holds: refused as malformed, never clamped or wrapped.
        { "9223372036854775808", "9223372036854776708", TokenRejection.Malformed },
        { "-9223372036854775809", N(Now), TokenRejection.Malformed },
        { N(Now), "1e20", TokenRejection.Malformed },
        { N(Now), "1767226500.5", TokenRejection.Malformed },
    };

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(Extremes))]
    public void ExtremeTimesAreRefusedInHs256Tokens(string issuedAt, string expiresAt, TokenRejection expected)
    {
        var token = SignHs256(Payload(issuedAt, expiresAt));
        var result = AccessTokens.Check(Secret, token, Now);
        Assert.Null(result.Claims);
        Assert.Equal(expected, result.Rejection);
    }

    [Theory]
    [MemberData(nameof(Extremes))]
    public void ExtremeTimesAreRefusedInEs256Tokens(string issuedAt, string expiresAt, TokenRejection expected)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = SignEs256(key, "kid-1", Payload(issuedAt, expiresAt, sessionId: "session-1"));
        var result = AccessTokens.Check(token, Now, kid => kid == "kid-1" ? key : null, legacySecret: null);
        Assert.Null(result.Claims);
        Assert.Equal(expected, result.Rejection);
    }

    [Theory]
    [InlineData(Now - 899, Now + 1)] // issued 899 s ago, one second left
    [InlineData(Now + 60, Now + 960)] // issued at the edge of the skew
    [InlineData(Now, Now + 1)] // the shortest lifetime
    [InlineData(Now - 3599, Now + 1)] // the longest lifetime, about to end
    public void TimesInsideTheWindowVerify(long issuedAt, long expiresAt)
    {
        var token = SignHs256(Payload(N(issuedAt), N(expiresAt)));
        var result = AccessTokens.Check(Secret, token, Now);
        Assert.Equal(TokenRejection.None, result.Rejection);
        Assert.Equal((issuedAt, expiresAt), (result.Claims!.IssuedAt, result.Claims.ExpiresAt));
    }

    [Fact]
    public void CheckTimesNeverOverflows()
    {
        long[] values = [long.MinValue, long.MinValue + 1, -1, 0, 1, Now, long.MaxValue - 1, long.MaxValue];
        foreach (var issuedAt in values)
        {
            foreach (var expiresAt in values)
            {
                foreach (var now in values)
                {
                    var rejection = AccessTokens.CheckTimes(issuedAt, expiresAt, now);
                    var lifetime = (Int128)expiresAt - issuedAt;
                    var valid = lifetime >= 1 && lifetime <= AccessTokens.MaxTtlSeconds
                        && now < expiresAt
                        && (Int128)issuedAt - now <= AccessTokens.ClockSkewSeconds
                        && (Int128)now - issuedAt <= AccessTokens.MaxTtlSeconds;
                    Assert.True(
                        valid == (rejection == TokenRejection.None),
                        $"iat={issuedAt} exp={expiresAt} now={now}: got {rejection}");
                }
            }
        }
    }

    [Fact]
    public void IssuingRefusesAClockThatWouldOverflowExp()
    {
        Assert.Throws<OverflowException>(() => AccessTokens.Issue(Secret, "u", "t", "owner", long.MaxValue - 10));
    }

    private static string Payload(string issuedAt, string expiresAt, string? sessionId = null) =>
        "{\"sub\":\"user-1\",\"tid\":\"tenant-1\",\"role\":\"owner\","
        + (sessionId is null ? string.Empty : $"\"sid\":\"{sessionId}\",")
        + $"\"iss\":\"purposepath\",\"aud\":\"purposepath-api\",\"iat\":{issuedAt},\"exp\":{expiresAt},\"jti\":\"j1\",\"typ\":\"access\"}}";

    private static string SignHs256(string payload)
    {
        var input = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        return input + "." + Base64Url.EncodeToString(HMACSHA256.HashData(Secret, Encoding.ASCII.GetBytes(input)));
    }

    internal static string SignEs256(ECDsa key, string keyId, string payload, string? header = null)
    {
        header ??= $"{{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"{keyId}\"}}";
        var input = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return input + "." + Base64Url.EncodeToString(signature);
    }
}
