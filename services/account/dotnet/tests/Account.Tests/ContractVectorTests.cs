using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PurposePath.Account.Auth;

namespace PurposePath.Account.Tests;

/// <summary>
/// Every vector of contract/test-vectors.json, the cross-runtime file that the Python
/// runtime passes too: same hashes, same token hashes, same verdicts, same tokens.
/// </summary>
public sealed class ContractVectorTests
{
    private static readonly JsonElement Vectors = Load();

    private static readonly Dictionary<string, TokenRejection> Verdicts = new()
    {
        ["valid"] = TokenRejection.None,
        ["malformed"] = TokenRejection.Malformed,
        ["alg_none"] = TokenRejection.AlgorithmNone,
        ["wrong_algorithm"] = TokenRejection.WrongAlgorithm,
        ["bad_signature"] = TokenRejection.BadSignature,
        ["missing_claim"] = TokenRejection.MissingClaim,
        ["wrong_issuer"] = TokenRejection.WrongIssuer,
        ["wrong_audience"] = TokenRejection.WrongAudience,
        ["wrong_type"] = TokenRejection.WrongType,
        ["lifetime_too_long"] = TokenRejection.LifetimeTooLong,
        ["expired"] = TokenRejection.Expired,
        ["issued_in_future"] = TokenRejection.IssuedInFuture,
    };

    [Fact]
    public void EveryPasswordHashVectorIsReproduced()
    {
        var vectors = Vectors.GetProperty("passwords").GetProperty("hashes").EnumerateArray().ToList();
        Assert.NotEmpty(vectors);
        foreach (var vector in vectors)
        {
            var hash = PasswordHasher.Hash(
                vector.GetProperty("password").GetString()!,
                Convert.FromBase64String(vector.GetProperty("salt").GetString()!),
                vector.GetProperty("iterations").GetInt32());
            Assert.True(
                hash == vector.GetProperty("expected").GetString(),
                $"password vector '{vector.GetProperty("name").GetString()}' hashed to {hash}");
        }
    }

    [Fact]
    public void EveryPasswordVerifyVectorGivesItsVerdict()
    {
        var vectors = Vectors.GetProperty("passwords").GetProperty("verify").EnumerateArray().ToList();
        Assert.Contains(vectors, vector => vector.GetProperty("matches").GetBoolean());
        Assert.Contains(vectors, vector => !vector.GetProperty("matches").GetBoolean());
        foreach (var vector in vectors)
        {
            var matches = PasswordHasher.Verify(vector.GetProperty("password").GetString()!, vector.GetProperty("encoded").GetString()!);
            Assert.True(
                matches == vector.GetProperty("matches").GetBoolean(),
                $"verify vector '{vector.GetProperty("name").GetString()}' answered {matches}");
        }
    }

    [Fact]
    public void EveryRefreshTokenVectorHashesToItsKey()
    {
        var vectors = Vectors.GetProperty("refreshTokens").EnumerateArray().ToList();
        Assert.NotEmpty(vectors);
        foreach (var vector in vectors)
        {
            var token = vector.GetProperty("token").GetString()!;
            Assert.True(RefreshTokens.IsWellFormed(token), $"refresh token vector {token} must be well formed");
            Assert.Equal(vector.GetProperty("tokenHash").GetString(), RefreshTokens.Hash(token));
        }
    }

    [Fact]
    public void EveryJwtVectorGivesItsVerdict()
    {
        var jwt = Vectors.GetProperty("jwt");
        Assert.Equal(AccessTokens.Issuer, jwt.GetProperty("issuer").GetString());
        Assert.Equal(AccessTokens.Audience, jwt.GetProperty("audience").GetString());
        var secret = Encoding.UTF8.GetBytes(jwt.GetProperty("secret").GetString()!);
        var now = jwt.GetProperty("now").GetInt64();
        var cases = jwt.GetProperty("cases").EnumerateArray().ToList();
        Assert.Contains(cases, vector => vector.GetProperty("verdict").GetString() == "valid");
        foreach (var vector in cases)
        {
            var name = vector.GetProperty("name").GetString();
            var verdict = vector.GetProperty("verdict").GetString()!;
            var result = AccessTokens.Check(secret, vector.GetProperty("token").GetString(), now);
            // A verdict this runtime names must be its exact rejection; any other (the reasons
            // are for people, FORMATS.md) only has to be refused.
            if (Verdicts.TryGetValue(verdict, out var expected))
            {
                Assert.True(result.Rejection == expected, $"jwt vector '{name}': expected {expected}, got {result.Rejection}");
            }
            else
            {
                Assert.True(result.Rejection != TokenRejection.None, $"jwt vector '{name}' ({verdict}) verified; it must be refused");
                expected = result.Rejection;
            }

            if (expected == TokenRejection.None)
            {
                var claims = vector.GetProperty("claims");
                Assert.Equal(
                    new AccessClaims(
                        claims.GetProperty("sub").GetString()!,
                        claims.GetProperty("tid").GetString()!,
                        claims.GetProperty("role").GetString()!,
                        claims.GetProperty("exp").GetInt64(),
                        claims.GetProperty("jti").GetString()!,
                        claims.TryGetProperty("sid", out var sid) ? sid.GetString()! : string.Empty,
                        claims.GetProperty("iat").GetInt64()),
                    result.Claims);
            }
            else
            {
                Assert.Null(result.Claims);
                var refused = Assert.Throws<Http.ApiException>(() => AccessTokens.Verify(secret, vector.GetProperty("token").GetString(), now));
                Assert.Equal(401, refused.Status);
            }
        }
    }

    /// <summary>
    /// The <c>jwtEs256</c> section (FORMATS.md): <c>now</c>, <c>keys[{kid, publicKeySpki}]</c>
    /// (base64 DER SubjectPublicKeyInfo; every listed key is accepted), <c>previousKid</c>,
    /// and cases whose <c>valid</c> ones verify to their claims while every other verdict is
    /// refused. No legacy window: an HS256 case must be refused too.
    /// </summary>
    [Fact]
    public void EveryJwtEs256VectorGivesItsVerdict()
    {
        Assert.True(
            Vectors.TryGetProperty("jwtEs256", out var section),
            "test-vectors.json has no jwtEs256 section: run python services/account/contract/generate_vectors.py");
        var now = section.GetProperty("now").GetInt64();
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        try
        {
            foreach (var key in section.GetProperty("keys").EnumerateArray())
            {
                var kid = key.GetProperty("kid").GetString()!;
                keys.Add(kid, AccessTokenAuthority.ImportP256(kid, Convert.FromBase64String(key.GetProperty("publicKeySpki").GetString()!)));
            }

            Assert.NotEmpty(keys);
            var previousKid = section.GetProperty("previousKid").GetString()!;
            Assert.True(keys.ContainsKey(previousKid), $"jwtEs256 previousKid {previousKid} is not among its keys");
            if (section.TryGetProperty("activeKid", out var activeKid))
            {
                Assert.True(keys.ContainsKey(activeKid.GetString()!), "jwtEs256 activeKid is not among its keys");
            }

            var cases = section.GetProperty("cases").EnumerateArray().ToList();
            Assert.Contains(cases, vector => vector.GetProperty("verdict").GetString() == "valid");
            foreach (var vector in cases)
            {
                var name = vector.GetProperty("name").GetString();
                var verdict = vector.GetProperty("verdict").GetString();
                var result = AccessTokens.Check(vector.GetProperty("token").GetString(), now, kid => keys.GetValueOrDefault(kid), legacySecret: null);
                if (verdict != "valid")
                {
                    Assert.True(result.Claims is null, $"jwtEs256 vector '{name}' ({verdict}) verified; it must be refused");
                    continue;
                }

                Assert.True(result.Claims is not null, $"jwtEs256 vector '{name}' is valid but was refused: {result.Rejection}");
                var claims = vector.GetProperty("claims");
                var expected = new AccessClaims(
                    claims.GetProperty("sub").GetString()!,
                    claims.GetProperty("tid").GetString()!,
                    claims.GetProperty("role").GetString()!,
                    claims.GetProperty("exp").GetInt64(),
                    claims.GetProperty("jti").GetString()!,
                    claims.GetProperty("sid").GetString()!,
                    claims.GetProperty("iat").GetInt64());
                Assert.Equal(expected, result.Claims);
            }
        }
        finally
        {
            foreach (var key in keys.Values)
            {
                key.Dispose();
            }
        }
    }

    [Fact]
    public void IssuingTheValidVectorsClaimsReproducesItsTokenByteForByte()
    {
        var jwt = Vectors.GetProperty("jwt");
        var valid = jwt.GetProperty("cases").EnumerateArray().First(vector => vector.GetProperty("verdict").GetString() == "valid");
        var claims = valid.GetProperty("claims");
        var issuedAt = claims.GetProperty("iat").GetInt64();
        var token = AccessTokens.Issue(
            Encoding.UTF8.GetBytes(jwt.GetProperty("secret").GetString()!),
            claims.GetProperty("sub").GetString()!,
            claims.GetProperty("tid").GetString()!,
            claims.GetProperty("role").GetString()!,
            issuedAt,
            checked((int)(claims.GetProperty("exp").GetInt64() - issuedAt)),
            claims.GetProperty("jti").GetString());
        Assert.Equal(valid.GetProperty("token").GetString(), token);
    }

    private static JsonElement Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoFiles.ContractVectors));
        return document.RootElement.Clone();
    }
}
