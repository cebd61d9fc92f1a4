using System.Security.Cryptography;
using System.Text;
using PurposePath.Account.Storage;

namespace PurposePath.Account.Auth;

/// <summary>Issues and verifies the service's access tokens. Tests use the real one over fake KMS and SSM.</summary>
public interface IAccessTokens
{
    /// <summary>An ES256 token for <paramref name="user"/> in session <paramref name="sessionId"/>, signed by the active KMS key.</summary>
    Task<string> IssueAsync(User user, string sessionId, CancellationToken cancellationToken);

    /// <summary>Every check of <see cref="AccessTokens"/> (ES256 with the key set's keys; HS256 only in the legacy window).</summary>
    Task<TokenVerification> CheckAsync(string? token, CancellationToken cancellationToken);
}

/// <summary>
/// The key set and public keys, cached per execution environment: the SSM parameter is read
/// on first use, each accepted key's public half is fetched from KMS once and kept, so a
/// request costs no KMS call. A token naming a key outside <c>accepted</c> makes the set be
/// read again, at most once per <see cref="UnknownKeyRefreshInterval"/> (a rotation
/// publishes a new key before any token carries it); the set is also re-read when older than
/// <see cref="MaxKeySetAge"/>, so a long-lived container signs with the key the last rotation
/// made active. HS256 tokens verify only while the set's legacy window is open, with the
/// legacy secret read only then (IAM stops allowing it when the window closes).
/// </summary>
public sealed class AccessTokenAuthority : IAccessTokens, IDisposable
{
    public static readonly TimeSpan UnknownKeyRefreshInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxKeySetAge = TimeSpan.FromMinutes(5);

    private readonly IKeySetSource _keySets;
    private readonly ISigningKeyService _keys;
    private readonly IJwtSecretSource? _legacySecret;
    private readonly TimeProvider _clock;
    private readonly int _ttlSeconds;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, ECDsa> _publicKeys = new(StringComparer.Ordinal);
    private SigningKeySet? _keySet;
    private DateTimeOffset _keySetReadAt;

    /// <param name="legacySecret">The HS256 secret for the migration window; null where the stage has none.</param>
    public AccessTokenAuthority(
        IKeySetSource keySets,
        ISigningKeyService keys,
        IJwtSecretSource? legacySecret,
        TimeProvider clock,
        int ttlSeconds = AccessTokens.DefaultTtlSeconds)
    {
        ArgumentNullException.ThrowIfNull(keySets);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(clock);
        _keySets = keySets;
        _keys = keys;
        _legacySecret = legacySecret;
        _clock = clock;
        _ttlSeconds = ttlSeconds;
    }

    public async Task<string> IssueAsync(User user, string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var keySet = await KeySetAsync(forceRefresh: false, cancellationToken).ConfigureAwait(false);
        var signingInput = AccessTokens.Es256SigningInput(
            keySet.Active, user.UserId, user.TenantId, user.Role, sessionId, Now(), _ttlSeconds);
        var der = await _keys.SignAsync(keySet.Active, Encoding.ASCII.GetBytes(signingInput), cancellationToken)
            .ConfigureAwait(false);
        return AccessTokens.Assemble(signingInput, Es256Signatures.DerToRaw(der));
    }

    public async Task<TokenVerification> CheckAsync(string? token, CancellationToken cancellationToken)
    {
        var keySet = await KeySetAsync(forceRefresh: false, cancellationToken).ConfigureAwait(false);
        var keyId = AccessTokens.Es256KeyId(token);
        if (keyId is not null && !keySet.Accepts(keyId))
        {
            keySet = await KeySetAsync(forceRefresh: true, cancellationToken).ConfigureAwait(false);
        }

        ECDsa? key = null;
        if (keyId is not null && keySet.Accepts(keyId))
        {
            key = await PublicKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        }

        var now = Now();
        byte[]? legacy = null;
        if (keyId is null && _legacySecret is not null && keySet.LegacyWindowOpen(now))
        {
            legacy = await _legacySecret.GetAsync(cancellationToken).ConfigureAwait(false);
        }

        return AccessTokens.Check(token, now, candidate => candidate == keyId ? key : null, legacy);
    }

    public void Dispose()
    {
        foreach (var key in _publicKeys.Values)
        {
            key.Dispose();
        }

        _publicKeys.Clear();
        _gate.Dispose();
    }

    /// <summary>The public key of an accepted key id, fetched from KMS once per container.</summary>
    private async Task<ECDsa> PublicKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_publicKeys.TryGetValue(keyId, out var cached))
            {
                return cached;
            }

            var spki = await _keys.GetPublicKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
            var key = ImportP256(keyId, spki);
            _publicKeys[keyId] = key;
            return key;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A P-256 public key from DER SubjectPublicKeyInfo; anything else is refused, never used.</summary>
    public static ECDsa ImportP256(string keyId, byte[] spki)
    {
        ArgumentNullException.ThrowIfNull(spki);
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length || key.KeySize != 256)
            {
                throw new SigningKeysException(
                    $"the public key of {keyId} is not a P-256 SubjectPublicKeyInfo; publish only ECC_NIST_P256 keys");
            }

            return key;
        }
        catch (CryptographicException)
        {
            key.Dispose();
            throw new SigningKeysException($"the public key of {keyId} is not valid DER SubjectPublicKeyInfo");
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private async Task<SigningKeySet> KeySetAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var age = _clock.GetUtcNow() - _keySetReadAt;
            var stale = _keySet is null
                || age >= MaxKeySetAge
                || (forceRefresh && age >= UnknownKeyRefreshInterval);
            if (stale)
            {
                var value = await _keySets.ReadAsync(cancellationToken).ConfigureAwait(false);
                _keySet = SigningKeySet.Parse(_keySets.Name, value);
                _keySetReadAt = _clock.GetUtcNow();
            }

            return _keySet!;
        }
        finally
        {
            _gate.Release();
        }
    }

    private long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();
}
