using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Amazon.SimpleNotificationService;
using Amazon.SimpleNotificationService.Model;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using PurposePath.Account.Auth;
using PurposePath.Account.Events;
using KmsMessageType = Amazon.KeyManagementService.MessageType;
using SsmParameter = Amazon.SimpleSystemsManagement.Model.Parameter;

namespace PurposePath.Account.Tests;

/// <summary>
/// The adapters over the real AWS SDK clients, with the one operation each uses overridden
/// (no network): the requests they send and how they read the answers.
/// </summary>
public sealed class AwsAdapterTests
{
    [Fact]
    public async Task SigningAsksKmsForARawEcdsaSha256SignatureWithTheActiveKey()
    {
        using var kms = new RecordingKms();
        var adapter = new KmsSigningKeyService(kms);
        var message = Encoding.ASCII.GetBytes("header.payload");

        var der = await adapter.SignAsync("key-1", message, CancellationToken.None);

        var request = Assert.Single(kms.SignRequests);
        Assert.Equal("key-1", request.KeyId);
        Assert.Equal(KmsMessageType.RAW, request.MessageType);
        Assert.Equal(SigningAlgorithmSpec.ECDSA_SHA_256, request.SigningAlgorithm);
        Assert.Equal(message, kms.SignedMessages.Single());
        Assert.True(Es256Signatures.Verify(kms.Key, message, Es256Signatures.DerToRaw(der)));
    }

    [Fact]
    public async Task PublicKeysMustBeP256SigningKeys()
    {
        using var kms = new RecordingKms();
        var adapter = new KmsSigningKeyService(kms);
        Assert.Equal(kms.Key.ExportSubjectPublicKeyInfo(), await adapter.GetPublicKeyAsync("key-1", CancellationToken.None));

        kms.Spec = null; // moto answers only the deprecated CustomerMasterKeySpec
        Assert.NotEmpty(await adapter.GetPublicKeyAsync("key-1", CancellationToken.None));

        kms.Spec = KeySpec.RSA_2048;
        await Assert.ThrowsAsync<SigningKeysException>(() => adapter.GetPublicKeyAsync("key-1", CancellationToken.None));
        kms.Spec = KeySpec.ECC_NIST_P256;
        kms.Usage = KeyUsageType.ENCRYPT_DECRYPT;
        await Assert.ThrowsAsync<SigningKeysException>(() => adapter.GetPublicKeyAsync("key-1", CancellationToken.None));
    }

    [Fact]
    public async Task TheKeySetIsTheParametersValue()
    {
        using var ssm = new RecordingSsm("""{"active":"a","accepted":["a"],"legacyHs256Until":""}""");
        var source = new SsmKeySetSource(ssm, "/purposepath/dev/signing-keys");
        Assert.Equal("""{"active":"a","accepted":["a"],"legacyHs256Until":""}""", await source.ReadAsync(CancellationToken.None));
        Assert.Equal("/purposepath/dev/signing-keys", Assert.Single(ssm.Names));
    }

    [Fact]
    public async Task EventsArePublishedAsJsonWithTheirTypeAsAMessageAttribute()
    {
        using var sns = new RecordingSns();
        var events = new SnsAccountEvents(sns, "arn:aws:sns:eu-west-1:123456789012:purposepath-account-events-dev");
        var deleted = AccountEvent.ForUser("tenant-1", "user-1", DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));

        await events.PublishAsync(deleted, CancellationToken.None);

        var request = Assert.Single(sns.Requests);
        Assert.Equal("arn:aws:sns:eu-west-1:123456789012:purposepath-account-events-dev", request.TopicArn);
        Assert.Equal(("String", "user.deleted"), (request.MessageAttributes["type"].DataType, request.MessageAttributes["type"].StringValue));
        using var message = JsonDocument.Parse(request.Message);
        Assert.Equal("user.deleted", message.RootElement.GetProperty("type").GetString());
        Assert.Equal("user-1", message.RootElement.GetProperty("userId").GetString());
        Assert.Equal("2026-01-01T00:00:00Z", message.RootElement.GetProperty("occurredAt").GetString());
    }

    private sealed class RecordingKms() : AmazonKeyManagementServiceClient(new AnonymousAWSCredentials(), RegionEndpoint.EUWest1)
    {
        public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public KeySpec? Spec { get; set; } = KeySpec.ECC_NIST_P256;

        public KeyUsageType Usage { get; set; } = KeyUsageType.SIGN_VERIFY;

        public List<SignRequest> SignRequests { get; } = [];

        public List<byte[]> SignedMessages { get; } = [];

        public override Task<SignResponse> SignAsync(SignRequest request, CancellationToken cancellationToken = default)
        {
            SignRequests.Add(request);
            var message = request.Message.ToArray();
            SignedMessages.Add(message);
            return Task.FromResult(new SignResponse
            {
                KeyId = request.KeyId,
                SigningAlgorithm = request.SigningAlgorithm,
                Signature = new MemoryStream(Key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)),
            });
        }

        public override Task<GetPublicKeyResponse> GetPublicKeyAsync(GetPublicKeyRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(new GetPublicKeyResponse
            {
                KeyId = request.KeyId,
                KeySpec = Spec,
#pragma warning disable CS0618 // the deprecated field, as moto fills it
                CustomerMasterKeySpec = CustomerMasterKeySpec.ECC_NIST_P256,
#pragma warning restore CS0618
                KeyUsage = Usage,
                PublicKey = new MemoryStream(Key.ExportSubjectPublicKeyInfo()),
            });

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Key.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class RecordingSsm(string value) : AmazonSimpleSystemsManagementClient(new AnonymousAWSCredentials(), RegionEndpoint.EUWest1)
    {
        public List<string> Names { get; } = [];

        public override Task<GetParameterResponse> GetParameterAsync(GetParameterRequest request, CancellationToken cancellationToken = default)
        {
            Names.Add(request.Name);
            return Task.FromResult(new GetParameterResponse { Parameter = new SsmParameter { Name = request.Name, Value = value } });
        }
    }

    private sealed class RecordingSns() : AmazonSimpleNotificationServiceClient(new AnonymousAWSCredentials(), RegionEndpoint.EUWest1)
    {
        public List<PublishRequest> Requests { get; } = [];

        public override Task<PublishResponse> PublishAsync(PublishRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return Task.FromResult(new PublishResponse { MessageId = Guid.NewGuid().ToString() });
        }
    }
}
