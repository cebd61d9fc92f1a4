using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PurposePath.Account.Auth;
using PurposePath.Account.Storage;

namespace PurposePath.Account.Tests;

/// <summary>
/// ES256 tokens signed through KMS: the DER to r||s conversion, the token format, the key
/// set and public-key caching, key rotation, and the pinned algorithms.
/// </summary>
public sealed class Es256Tests
{
    private static readonly User Ada = new("user-1", "ada@example.com", "Ada", "tenant-1", "owner", "unused");

    private readonly ManualClock _clock = new(1_767_225_600);
    private readonly FakeKms _kms = new();

    [Fact]
    public void KmsDerSignaturesConvertToRawRsAndVerify()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Enough signatures that r or s with a high bit (33-byte DER) and short values both occur.
        for (var i = 0; i < 200; i++)
        {
            var data = Encoding.ASCII.GetBytes($"message {i}");
            var der = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            var raw = Es256Signatures.DerToRaw(der);
            Assert.Equal(64, raw.Length);
            Assert.True(Es256Signatures.Verify(key, data, raw));
            Assert.False(Es256Signatures.Verify(key, Encoding.ASCII.GetBytes($"message {i}!"), raw));
        }
    }

    [Fact]
    public void ShortIntegersAreLeftPaddedTo32Bytes()
    {
        // r = 1, s = 0x80 (needs a leading zero in DER): SEQUENCE { INTEGER 01, INTEGER 00 80 }.
        var raw = Es256Signatures.DerToRaw([0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80]);
        var expected = new byte[64];
        expected[31] = 0x01;
        expected[63] = 0x80;
        Assert.Equal(expected, raw);
    }

    public static TheoryData<string, byte[]> MalformedDer => new()
    {
        { "empty", [] },
        { "not a SEQUENCE", [0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01] },
        { "length disagrees", [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01] },
        { "long-form length", [0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01] },
        { "trailing byte", [0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00] },
        { "negative r", [0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01] },
        { "zero r", [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01] },
        { "non-minimal r", [0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01] },
        { "INTEGER tag missing", [0x30, 0x06, 0x04, 0x01, 0x01, 0x02, 0x01, 0x01] },
        { "only one integer", [0x30, 0x03, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00] },
        { "33-byte r without a sign byte", Der(Enumerable.Repeat((byte)0x01, 33).ToArray(), [0x01]) },
        { "34-byte r", Der([0x00, .. Enumerable.Repeat((byte)0x81, 33)], [0x01]) },
    };

    [Theory]
    [MemberData(nameof(MalformedDer))]
    public void MalformedDerSignaturesAreRefused(string what, byte[] der)
    {
        Assert.True(Throws(der), $"{what} must be refused");
    }

    [Fact]
    public async Task IssuedTokensHaveTheContractsHeaderAndClaimOrderAndVerify()
    {
        var active = _kms.CreateKey();
        using var authority = Authority(FakeKeySetSource.KeySet(active, [active]));

        var token = await authority.IssueAsync(Ada, "session-1", CancellationToken.None);

        var parts = token.Split('.');
        Assert.Equal($"{{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"{active}\"}}", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0])));
        using var payload = JsonDocument.Parse(new ReadOnlyMemory<byte>(Base64Url.DecodeFromChars(parts[1])));
        Assert.Equal(
            new[] { "sub", "tid", "role", "sid", "iss", "aud", "iat", "exp", "jti", "typ" },
            payload.RootElement.EnumerateObject().Select(property => property.Name).ToArray());
        Assert.Equal(64, Base64Url.DecodeFromChars(parts[2]).Length);
        var claims = (await authority.CheckAsync(token, CancellationToken.None)).Claims;
        Assert.Equal(new AccessClaims("user-1", "tenant-1", "owner", _clock.Now + 900, claims!.TokenId, "session-1", _clock.Now), claims);
        Assert.Equal(new[] { active }, _kms.SignedWith);
    }

    [Fact]
    public async Task PublicKeysAreFetchedOncePerContainerNotPerRequest()
    {
        var active = _kms.CreateKey();
        var keySets = new FakeKeySetSource(FakeKeySetSource.KeySet(active, [active]));
        using var authority = new AccessTokenAuthority(keySets, _kms, null, _clock);
        var token = await authority.IssueAsync(Ada, "session-1", CancellationToken.None);

        for (var i = 0; i < 20; i++)
        {
            Assert.NotNull((await authority.CheckAsync(token, CancellationToken.None)).Claims);
        }

        Assert.Equal(1, _kms.PublicKeyReads[active]);
        Assert.Equal(1, keySets.Reads);
    }

    [Fact]
    public async Task ARotationSignsNobodyOutAndRetiringTheOldKeyEndsItsTokens()
    {
        var first = _kms.CreateKey();
        var keySets = new FakeKeySetSource(FakeKeySetSource.KeySet(first, [first]));
        using var issuer = new AccessTokenAuthority(keySets, _kms, null, _clock);
        var oldToken = await issuer.IssueAsync(Ada, "session-1", CancellationToken.None);

        // rotate-signing-key: a new active key, the old one still accepted.
        var second = _kms.CreateKey();
        keySets.Value = FakeKeySetSource.KeySet(second, [second, first]);
        using var verifier = new AccessTokenAuthority(keySets, _kms, null, _clock);
        using var newIssuer = new AccessTokenAuthority(keySets, _kms, null, _clock);
        var newToken = await newIssuer.IssueAsync(Ada, "session-2", CancellationToken.None);
        Assert.NotNull((await verifier.CheckAsync(oldToken, CancellationToken.None)).Claims);
        Assert.NotNull((await verifier.CheckAsync(newToken, CancellationToken.None)).Claims);

        // The issuer re-reads the set within MaxKeySetAge and then signs with the new key.
        _clock.Now += (long)AccessTokenAuthority.MaxKeySetAge.TotalSeconds;
        await issuer.IssueAsync(Ada, "session-3", CancellationToken.None);
        Assert.Equal(second, _kms.SignedWith[^1]);

        // Retired: the old key leaves "accepted"; a verifier that re-reads the set refuses its tokens.
        keySets.Value = FakeKeySetSource.KeySet(second, [second]);
        using var later = new AccessTokenAuthority(keySets, _kms, null, _clock);
        Assert.Equal(TokenRejection.UnknownKey, (await later.CheckAsync(oldToken, CancellationToken.None)).Rejection);
    }

    [Fact]
    public async Task AnUnknownKidRereadsTheKeySetAtMostOnceEvery30Seconds()
    {
        var active = _kms.CreateKey();
        var keySets = new FakeKeySetSource(FakeKeySetSource.KeySet(active, [active]));
        using var verifier = new AccessTokenAuthority(keySets, _kms, null, _clock);
        var next = _kms.CreateKey();
        using var nextIssuer = Authority(FakeKeySetSource.KeySet(next, [next]));
        var tokenOfNextKey = await nextIssuer.IssueAsync(Ada, "session-1", CancellationToken.None);

        Assert.NotNull((await verifier.CheckAsync(await verifier.IssueAsync(Ada, "s", CancellationToken.None), CancellationToken.None)).Claims);
        Assert.Equal(1, keySets.Reads);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(TokenRejection.UnknownKey, (await verifier.CheckAsync(tokenOfNextKey, CancellationToken.None)).Rejection);
        }

        Assert.Equal(1, keySets.Reads); // read less than 30 s ago: no re-read for a flood of unknown kids

        keySets.Value = FakeKeySetSource.KeySet(next, [next, active]); // the rotation is published
        _clock.Now += 29;
        Assert.Equal(TokenRejection.UnknownKey, (await verifier.CheckAsync(tokenOfNextKey, CancellationToken.None)).Rejection);
        Assert.Equal(1, keySets.Reads);
        _clock.Now += 1;
        Assert.NotNull((await verifier.CheckAsync(tokenOfNextKey, CancellationToken.None)).Claims);
        Assert.Equal(2, keySets.Reads);
    }

    [Fact]
    public async Task TheAlgorithmIsPinnedPerKeyType()
    {
        var active = _kms.CreateKey();
        using var authority = Authority(FakeKeySetSource.KeySet(active, [active]));
        var token = await authority.IssueAsync(Ada, "session-1", CancellationToken.None);
        var parts = token.Split('.');
        var publicKey = _kms.Keys[active].ExportSubjectPublicKeyInfo();

        // HS256 keyed with the public key (the classic confusion), alg none, ES384, a kid-less ES256.
        var hsInput = B64($"{{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"{active}\"}}") + "." + parts[1];
        var confused = hsInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(publicKey, Encoding.ASCII.GetBytes(hsInput)));
        var none = B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
        var es384 = B64($"{{\"alg\":\"ES384\",\"typ\":\"JWT\",\"kid\":\"{active}\"}}") + "." + parts[1] + "." + parts[2];
        var noKid = B64("{\"alg\":\"ES256\",\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2];

        Assert.Equal(TokenRejection.WrongAlgorithm, (await authority.CheckAsync(confused, CancellationToken.None)).Rejection);
        Assert.Equal(TokenRejection.AlgorithmNone, (await authority.CheckAsync(none, CancellationToken.None)).Rejection);
        Assert.Equal(TokenRejection.WrongAlgorithm, (await authority.CheckAsync(es384, CancellationToken.None)).Rejection);
        Assert.Equal(TokenRejection.UnknownKey, (await authority.CheckAsync(noKid, CancellationToken.None)).Rejection);
    }

    [Fact]
    public async Task ASignatureByAnotherKeyOrOfTheWrongLengthIsRefused()
    {
        var active = _kms.CreateKey();
        using var authority = Authority(FakeKeySetSource.KeySet(active, [active]));
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars((await authority.IssueAsync(Ada, "s", CancellationToken.None)).Split('.')[1]));
        var forged = TokenLifetimeTests.SignEs256(attacker, active, payload);
        var genuine = TokenLifetimeTests.SignEs256(_kms.Keys[active], active, payload);
        var parts = genuine.Split('.');
        var longer = $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString([.. Base64Url.DecodeFromChars(parts[2]), 0x00])}";
        var der = $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(_kms.Keys[active].SignData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))}";

        Assert.Equal(TokenRejection.None, (await authority.CheckAsync(genuine, CancellationToken.None)).Rejection);
        Assert.Equal(TokenRejection.BadSignature, (await authority.CheckAsync(forged, CancellationToken.None)).Rejection);
        Assert.Equal(TokenRejection.BadSignature, (await authority.CheckAsync(longer, CancellationToken.None)).Rejection);
        Assert.Equal(TokenRejection.BadSignature, (await authority.CheckAsync(der, CancellationToken.None)).Rejection);
    }

    [Fact]
    public async Task Es256TokensWithoutASessionAreRefused()
    {
        var active = _kms.CreateKey();
        using var authority = Authority(FakeKeySetSource.KeySet(active, [active]));
        var now = _clock.Now;
        var payload = $"{{\"sub\":\"u\",\"tid\":\"t\",\"role\":\"owner\",\"iss\":\"purposepath\",\"aud\":\"purposepath-api\",\"iat\":{now},\"exp\":{now + 900},\"jti\":\"j\",\"typ\":\"access\"}}";
        var token = TokenLifetimeTests.SignEs256(_kms.Keys[active], active, payload);
        Assert.Equal(TokenRejection.MissingSession, (await authority.CheckAsync(token, CancellationToken.None)).Rejection);
    }

    [Fact]
    public async Task Hs256TokensVerifyOnlyInsideTheLegacyWindow()
    {
        var active = _kms.CreateKey();
        var secret = new FixedSecret(TestApi.Secret);
        var until = DateTimeOffset.FromUnixTimeSeconds(_clock.Now + 3660).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var keySets = new FakeKeySetSource(FakeKeySetSource.KeySet(active, [active], until));
        using var authority = new AccessTokenAuthority(keySets, _kms, secret, _clock);
        var legacy = AccessTokens.Issue(secret.Bytes, "u", "t", "owner", _clock.Now);
        var otherSecret = AccessTokens.Issue(Encoding.UTF8.GetBytes(new string('x', 64)), "u", "t", "owner", _clock.Now);

        var inside = await authority.CheckAsync(legacy, CancellationToken.None);
        Assert.Equal(TokenRejection.None, inside.Rejection);
        Assert.Equal(string.Empty, inside.Claims!.SessionId);
        Assert.Equal(TokenRejection.BadSignature, (await authority.CheckAsync(otherSecret, CancellationToken.None)).Rejection);

        _clock.Now += 3660; // the window has closed by itself
        Assert.Equal(TokenRejection.WrongAlgorithm, (await authority.CheckAsync(AccessTokens.Issue(secret.Bytes, "u", "t", "owner", _clock.Now), CancellationToken.None)).Rejection);

        keySets.Value = FakeKeySetSource.KeySet(active, [active]); // and a set without a window never opens one
        using var closed = new AccessTokenAuthority(keySets, _kms, secret, _clock);
        Assert.Equal(TokenRejection.WrongAlgorithm, (await closed.CheckAsync(AccessTokens.Issue(secret.Bytes, "u", "t", "owner", _clock.Now), CancellationToken.None)).Rejection);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"accepted":["a"]}""")]
    [InlineData("""{"active":"a"}""")]
    [InlineData("""{"active":"a","accepted":["b"]}""")]
    [InlineData("""{"active":"a","accepted":["a",1]}""")]
    [InlineData("""{"active":"a","accepted":["a"],"legacyHs256Until":"2026-01-01T00:00:00"}""")]
    [InlineData("""{"active":"a","accepted":["a"],"legacyHs256Until":"2026-01-01T01:00:00+01:00"}""")]
    [InlineData("""{"active":"a","accepted":["a"],"legacyHs256Until":"tomorrow"}""")]
    [InlineData("""{"active":"a","accepted":["a"],"legacyHs256Until":5}""")]
    public void AMalformedKeySetIsRefusedNamingTheParameter(string? value)
    {
        var error = Assert.Throws<SigningKeysException>(() => SigningKeySet.Parse("/purposepath/dev/signing-keys", value));
        Assert.Contains("/purposepath/dev/signing-keys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKeySetReadsActiveAcceptedAndTheLegacyWindow()
    {
        var set = SigningKeySet.Parse("p", """{"active":"b","accepted":["b","a"],"legacyHs256Until":"2026-01-01T01:00:00Z"}""");
        Assert.Equal("b", set.Active);
        Assert.True(set.Accepts("a"));
        Assert.False(set.Accepts("A"));
        Assert.True(set.LegacyWindowOpen(1_767_229_199));
        Assert.False(set.LegacyWindowOpen(1_767_229_200));
        Assert.Null(SigningKeySet.Parse("p", """{"active":"b","accepted":["b"],"legacyHs256Until":""}""").LegacyHs256Until);
    }

    [Fact]
    public void OnlyP256PublicKeysAreImported()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        Assert.Throws<SigningKeysException>(() => AccessTokenAuthority.ImportP256("k", p384.ExportSubjectPublicKeyInfo()));
        Assert.Throws<SigningKeysException>(() => AccessTokenAuthority.ImportP256("k", rsa.ExportSubjectPublicKeyInfo()));
        Assert.Throws<SigningKeysException>(() => AccessTokenAuthority.ImportP256("k", [0x30, 0x00]));
    }

    private static bool Throws(byte[] der)
    {
        try
        {
            Es256Signatures.DerToRaw(der);
            return false;
        }
        catch (FormatException)
        {
            return true;
        }
    }

    private static byte[] Der(byte[] r, byte[] s) =>
        [0x30, (byte)(4 + r.Length + s.Length), 0x02, (byte)r.Length, .. r, 0x02, (byte)s.Length, .. s];

    private static string B64(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    private AccessTokenAuthority Authority(string keySet) =>
        new(new FakeKeySetSource(keySet), _kms, null, _clock);
}
