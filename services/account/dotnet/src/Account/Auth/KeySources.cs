using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using KmsMessageType = Amazon.KeyManagementService.MessageType;

namespace PurposePath.Account.Auth;

/// <summary>Reads the published key set (the SSM parameter's value). Tests pass a fake.</summary>
public interface IKeySetSource
{
    /// <summary>The parameter's name, for messages.</summary>
    string Name { get; }

    Task<string?> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>The KMS operations the account service uses on its signing keys. Tests pass a fake.</summary>
public interface ISigningKeyService
{
    /// <summary>The key's public half as DER SubjectPublicKeyInfo; refuses a key that is not an ECC_NIST_P256 signing key.</summary>
    Task<byte[]> GetPublicKeyAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>The DER ECDSA signature (ECDSA_SHA_256) of <paramref name="message"/>, as KMS returns it.</summary>
    Task<byte[]> SignAsync(string keyId, byte[] message, CancellationToken cancellationToken);
}

/// <summary>The key set from SSM Parameter Store (a String parameter the shared stack writes).</summary>
public sealed class SsmKeySetSource : IKeySetSource
{
    private readonly IAmazonSimpleSystemsManagement _client;

    public SsmKeySetSource(IAmazonSimpleSystemsManagement client, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(parameterName);
        _client = client;
        Name = parameterName;
    }

    public string Name { get; }

    public async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        var response = await _client
            .GetParameterAsync(new GetParameterRequest { Name = Name }, cancellationToken)
            .ConfigureAwait(false);
        return response.Parameter?.Value;
    }
}

/// <summary>
/// Signing and public keys through KMS. The private key never leaves KMS: <c>Sign</c> with
/// <c>MessageType=RAW</c> makes KMS hash the message with SHA-256 itself ("Sign", AWS KMS API
/// Reference: "RAW ... KMS hashes the message"), which is what JWS ES256 signs.
/// </summary>
public sealed class KmsSigningKeyService(IAmazonKeyManagementService client) : ISigningKeyService
{
    public async Task<byte[]> GetPublicKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        var response = await client
            .GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyId }, cancellationToken)
            .ConfigureAwait(false);
        // Pinned per key type: a key of another spec or usage can never verify an ES256 token.
        // KeySpec, or its deprecated twin CustomerMasterKeySpec where only that is returned
        // ("GetPublicKey", AWS KMS API Reference, Response Elements, lists both).
#pragma warning disable CS0618 // CustomerMasterKeySpec is deprecated, read only as a fallback
        var spec = response.KeySpec?.Value ?? response.CustomerMasterKeySpec?.Value;
#pragma warning restore CS0618
        var usage = response.KeyUsage?.Value;
        if (spec != KeySpec.ECC_NIST_P256.Value || usage != KeyUsageType.SIGN_VERIFY.Value)
        {
            throw new SigningKeysException(
                $"KMS key {keyId} is {spec ?? "of no key spec"} for {usage ?? "no usage"}, not ECC_NIST_P256 for SIGN_VERIFY; "
                + "publish only the shared stack's signing keys in the key set");
        }

        return response.PublicKey?.ToArray()
            ?? throw new SigningKeysException($"KMS returned no public key for {keyId}; check the key exists and is enabled");
    }

    public async Task<byte[]> SignAsync(string keyId, byte[] message, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(message, writable: false);
        var response = await client.SignAsync(
            new SignRequest
            {
                KeyId = keyId,
                Message = body,
                MessageType = KmsMessageType.RAW,
                SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
            },
            cancellationToken).ConfigureAwait(false);
        return response.Signature?.ToArray()
            ?? throw new SigningKeysException($"KMS returned no signature from key {keyId}");
    }
}
