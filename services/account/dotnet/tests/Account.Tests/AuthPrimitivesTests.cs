using System.Text;
using PurposePath.Account.Auth;

namespace PurposePath.Account.Tests;

public sealed class AuthPrimitivesTests
{
    private const string Arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:purposepath/jwt-secret/dev";

    [Fact]
    public void NewHashesUseTheConfiguredCostAndVerify()
    {
        var hasher = new PasswordHasher(iterations: 1_000);
        var hash = hasher.Hash("a long enough password");
        Assert.StartsWith("pbkdf2_sha256$1000$", hash, StringComparison.Ordinal);
        Assert.NotEqual(hash, hasher.Hash("a long enough password")); // fresh salt each time
        Assert.True(PasswordHasher.Verify("a long enough password", hash));
        Assert.False(hasher.NeedsRehash(hash));
        Assert.True(new PasswordHasher(iterations: 2_000).NeedsRehash(hash));
        Assert.True(hasher.NeedsRehash("garbage"));
    }

    [Theory]
    [InlineData("pbkdf2_sha256$99999999$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2_sha256$01000$paWlpaWlpaWlpaWlpaWlpQ==$I/5cCzKwuXjTyyltsyhVxKouAmQxtejzW286+GJy0G8=")]
    [InlineData("pbkdf2_sha256$1000$paWl paWlpaWlpaWlpaWlpQ==$I/5cCzKwuXjTyyltsyhVxKouAmQxtejzW286+GJy0G8=")]
    [InlineData("pbkdf2_sha256$1000$$I/5cCzKwuXjTyyltsyhVxKouAmQxtejzW286+GJy0G8=")]
    public void HostileOrMalformedHashStringsNeverMatchAndNeverRunLong(string encoded)
    {
        Assert.False(PasswordHasher.Verify("Tr0ub4dor&3-long-enough", encoded));
    }

    [Fact]
    public void RefreshTokensAre43Base64UrlCharactersAndUnique()
    {
        var token = RefreshTokens.NewToken();
        Assert.Equal(43, token.Length);
        Assert.True(RefreshTokens.IsWellFormed(token));
        Assert.NotEqual(token, RefreshTokens.NewToken());
        Assert.Matches("^[0-9a-f]{64}$", RefreshTokens.Hash(token));
        Assert.False(RefreshTokens.IsWellFormed(token + "="));
        Assert.False(RefreshTokens.IsWellFormed(token[..42] + "+"));
    }

    [Fact]
    public void IssuedTokensVerifyAndCarryTheContractsClaims()
    {
        var secret = Encoding.UTF8.GetBytes(new string('s', 64));
        var token = AccessTokens.Issue(secret, "user-1", "tenant-1", "owner", now: 1_000);
        var claims = AccessTokens.Verify(secret, token, now: 1_899);
        Assert.Equal(("user-1", "tenant-1", "owner", 1_900L), (claims.UserId, claims.TenantId, claims.Role, claims.ExpiresAt));
        Assert.Matches("^[0-9a-f]{32}$", claims.TokenId);
        Assert.Equal(TokenRejection.Expired, AccessTokens.Check(secret, token, now: 1_900).Rejection);
        Assert.Equal(TokenRejection.IssuedInFuture, AccessTokens.Check(secret, token, now: 1_000 - AccessTokens.ClockSkewSeconds - 1).Rejection);
        Assert.Throws<ArgumentOutOfRangeException>(() => AccessTokens.Issue(secret, "u", "t", "owner", 0, ttlSeconds: 3_601));
    }

    [Fact]
    public void TheJwtSecretIsTheUtf8OfItsSecretKey()
    {
        var value = new string('k', 63) + "é";
        Assert.Equal(Encoding.UTF8.GetBytes(value), SecretsManagerJwtSecret.Parse(Arn, $$"""{"secret":"{{value}}"}"""));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not json: s3cr3t-value")]
    [InlineData("[\"s3cr3t-value\"]")]
    [InlineData("{\"token\":\"s3cr3t-value\"}")]
    [InlineData("{\"secret\":\"s3cr3t-value\"}")]
    public void AMalformedJwtSecretIsRefusedNamingTheSecretNotItsValue(string? secretString)
    {
        var error = Assert.Throws<SecretException>(() => SecretsManagerJwtSecret.Parse(Arn, secretString));
        Assert.Contains(Arn, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error.Message, StringComparison.Ordinal);
    }
}
